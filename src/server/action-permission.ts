import { GraphQLError, Kind, OperationTypeNode } from "graphql";
import type { DocumentNode, FragmentDefinitionNode, SelectionSetNode } from "graphql";
import { FORBIDDEN } from "../operation/index.js";
import type { Caller, OperationPlugin } from "../operation/index.js";

/** The setting that grants actions, as every refusal names it. */
export const WRITE_KEYS_SETTING = "GATEWAY_WRITE_KEYS";

export interface ActionPermissionOptions {
  /** Whether any write key is configured: the refusal then says to send one, else that actions are off. */
  writeKeysConfigured: boolean;
  /** Told of each refused mutation with its root fields (for the audit log and the actions metric). */
  onRefused?(caller: Caller, fields: readonly string[]): void;
}

/**
 * Mutations act on CircleCI, so only a caller with write access runs one: every other is refused before anything
 * executes, with FORBIDDEN naming GATEWAY_WRITE_KEYS (HTTP 403), over every transport and endpoint that runs the
 * pipeline. Queries and subscriptions pass whoever asks.
 */
export function actionPermission<TContext>(options: ActionPermissionOptions): OperationPlugin<TContext> {
  const message = options.writeKeysConfigured
    ? `mutations act on CircleCI and need one of the keys in ${WRITE_KEYS_SETTING}: send it as \`Authorization: Bearer <key>\` (the key sent, if any, may only read)`
    : `mutations are off on this gateway: no ${WRITE_KEYS_SETTING} are set; set ${WRITE_KEYS_SETTING} to the keys that may act on CircleCI and send one as \`Authorization: Bearer <key>\``;
  return {
    checkOperation: ({ definition, document, caller }) => {
      if (definition.operation !== OperationTypeNode.MUTATION || caller.access === "write") return undefined;
      options.onRefused?.(caller, rootFields(definition.selectionSet, document));
      return { error: new GraphQLError(message, { extensions: { code: FORBIDDEN } }), refusal: "forbidden" };
    },
  };
}

/** The root fields an operation selects, through inline fragments and fragment spreads, each once. */
function rootFields(selectionSet: SelectionSetNode, document: DocumentNode): string[] {
  const fragments = new Map(
    document.definitions.filter((node): node is FragmentDefinitionNode => node.kind === Kind.FRAGMENT_DEFINITION).map((node) => [node.name.value, node]),
  );
  const fields = new Set<string>();
  const spread = new Set<string>();
  const visit = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment !== undefined) visit(fragment.selectionSet);
      }
    }
  };
  visit(selectionSet);
  return [...fields];
}
