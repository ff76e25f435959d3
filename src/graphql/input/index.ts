export { ValidId, ValidText } from './inputRules.js';
export { ID_DESCRIPTION, TEXT_DESCRIPTION } from './textRules.js';
export { validateArguments } from './validateArguments.js';
