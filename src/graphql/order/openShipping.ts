import type { ShippingDetails as Details } from '../../domain/order/shippingDetails.js';
import type { Keyring } from '../../privacy/keyring.js';
import { ERASED_PLACEHOLDER, PersonalDataStatus, type ShippingDetails } from './shippingDetails.type.js';

/** The order's shipping details opened with its customer's key; the placeholder in every field when erased or unreadable. */
export async function openShipping(keyring: Keyring, sealed: string | null, customerId: string): Promise<ShippingDetails | null> {
  if (sealed === null) return null;
  const opened = await keyring.open(sealed, customerId);
  if (opened.status === 'AVAILABLE') return { status: PersonalDataStatus.AVAILABLE, ...(JSON.parse(opened.plaintext) as Details) };
  return {
    status: PersonalDataStatus[opened.status],
    recipientName: ERASED_PLACEHOLDER,
    addressLines: [ERASED_PLACEHOLDER],
    city: ERASED_PLACEHOLDER,
    postalCode: ERASED_PLACEHOLDER,
    region: ERASED_PLACEHOLDER,
    country: ERASED_PLACEHOLDER,
    email: ERASED_PLACEHOLDER,
  };
}
