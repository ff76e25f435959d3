import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * A validation rule for production: refuses `__schema` and `__type` (`__typename` stays), once per
 * document. Used on HTTP and WebSocket alike instead of Apollo's own rule, which graphql-ws would
 * not run and whose message speaks to the server's developer. The schema is public anyway, as
 * schema.graphql; this only stops strangers mapping it from a live server.
 */
export const introspectionDisabledRule: ValidationRule = (context) => {
  let reported = false;
  return {
    Field(node) {
      if (reported || (node.name.value !== '__schema' && node.name.value !== '__type')) return;
      reported = true;
      context.reportError(
        new GraphQLError(`Introspection is disabled on this server; the document asks for ${node.name.value}`, { nodes: node }),
      );
    },
  };
};
