import { createSourceEventStream, execute, getOperationAST, getVariableValues, Kind, OperationTypeNode } from "graphql";
import type { ExecutionArgs, ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLSchema } from "graphql";
import type { ReadTracker } from "../loaders/read-tracker.js";
import { untrackedReads } from "../loaders/read-tracker.js";
import { silentLogger } from "../log.js";
import type { Logger } from "../log.js";
import type { Invalidations } from "../store/invalidations.js";
import type { AnswerCache, Produced } from "./answer-cache.js";
import { answerOf, refusedAnswer } from "./answer.js";
import type { Answer, Refusal } from "./answer.js";
import { DocumentCache } from "./documents.js";
import { badVariable, formatExecutionError, internalError, operationNotFound, parseFailed, validationFailed } from "./errors.js";
import type { ErrorCoder } from "./errors.js";
import { mapEvents } from "./event-stream.js";
import { forbidIntrospection } from "./introspection-rule.js";
import { PersistedQueries } from "./persisted-queries.js";
import type { ExecutionWatcher, OperationEnd, OperationPlugin, ResolvedOperation } from "./plugin.js";
import { badRequest } from "./request.js";
import type { OperationRequest } from "./request.js";

/** Who sent an operation, as the auth step established it. */
export interface Caller {
  /**
   * What the caller may see. Every answer is cached under it, so that answers never cross from one scope to
   * another, whatever rules later decide what a scope sees.
   */
  readonly scope: string;
}

/** How an operation arrived: HTTP GET carries queries only, POST no subscriptions, WebSocket anything. */
export type Transport = "http-get" | "http-post" | "websocket";

/** What the application's context factory gets for each execution. */
export interface ExecutionScope {
  /** Where the execution's reads report the tags they depend on: the answer is kept until one of them changes. */
  readonly tracker: ReadTracker;
  readonly scope: string;
}

export interface PipelineOptions<TContext> {
  /** Tells this pipeline's answers from another's in a shared answer cache (e.g. `graphql`, `subgraph`). */
  name: string;
  schema: GraphQLSchema;
  /** Builds the context of one execution (each operation of a batch, each subscription): per-request state lives here. */
  context: (scope: ExecutionScope) => TContext | Promise<TContext>;
  /** Default true; false refuses `__schema` and `__type`, naming GRAPHQL_INTROSPECTION. */
  introspection?: boolean;
  /** In order; see `OperationPlugin` for the stages. */
  plugins?: readonly OperationPlugin<TContext>[];
  /** Codes for errors resolvers throw that carry none (e.g. CircleCI failing); the rest are masked. */
  errorCode?: ErrorCoder;
  /** Awaited once per request before any cache is read, and before each subscription event executes. */
  invalidations?: Invalidations;
  /** Whole answers of queries, shared with other pipelines (keys carry `name`). Default: none. */
  answerCache?: AnswerCache;
  /** Query text kept for automatic persisted queries. Default `DEFAULT_PERSISTED_QUERY_CACHE_BYTES`. */
  persistedQueryCacheBytes?: number;
  logger?: Logger;
}

/** An operation that may run: what `prepare` gives a streaming transport, which then executes or subscribes it. */
export interface PreparedOperation {
  readonly operation: ResolvedOperation;
  readonly operationType: OperationTypeNode;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>> | undefined;
}

export type Preparation = { ready: true; prepared: PreparedOperation } | { ready: false; errors: readonly GraphQLError[]; answer: Answer };

/** One request's view of the pipeline: its caller, its transport, and one barrier for all its operations. */
export interface OperationSession {
  /** Answers one query or mutation: from the answer cache when it can, else by executing it. */
  run(request: OperationRequest): Promise<Answer>;
  /** Checks one operation (of any type) up to execution, for a transport that executes it itself. */
  prepare(request: OperationRequest): Promise<Preparation>;
}

export interface OperationPipeline {
  readonly schema: GraphQLSchema;
  open(caller: Caller, transport: Transport): OperationSession;
  /** Runs a prepared query or mutation (through the answer cache for a query). */
  execute(prepared: PreparedOperation): Promise<Answer>;
  /** Opens a prepared subscription: its stream of results, or the one result that says why it could not open. */
  subscribe(prepared: PreparedOperation): Promise<AsyncIterableIterator<FormattedExecutionResult> | FormattedExecutionResult>;
}

/** What a session knows about a prepared operation beyond what the transport sees. */
interface SessionFacts {
  caller: Caller;
  /** The answer cache's position once the request's barrier resolved. */
  position: number;
  /** The plugins' `onOperation` callbacks, told once the operation is answered. */
  ends: readonly ((end: OperationEnd) => void)[];
}

/** An answer made before execution: kept, or a refusal (with its errors, which graphql-ws serializes itself). */
type Outcome = { operationType: OperationTypeNode | undefined; answer: Answer; errors?: readonly GraphQLError[] };

/**
 * The one operation pipeline every transport runs: automatic persisted queries, the invalidation barrier, the
 * answer cache, the plugins' checks (the query limits), parsing and validation (cached by document text),
 * resolving the operation, coercing its variables, executing or subscribing with graphql-js, and formatting its
 * errors (codes kept, the unexpected masked and logged). Transports only carry requests and answers.
 */
export function createOperationPipeline<TContext>(options: PipelineOptions<TContext>): OperationPipeline {
  const { schema, answerCache, invalidations } = options;
  const logger = (options.logger ?? silentLogger).child({ component: "operation", endpoint: options.name });
  const plugins = options.plugins ?? [];
  const codeOf: ErrorCoder = options.errorCode ?? (() => undefined);
  const introspectionRules = options.introspection === false ? [forbidIntrospection("GRAPHQL_INTROSPECTION")] : [];
  const documents = new DocumentCache(schema, { rules: introspectionRules });
  const persisted = new PersistedQueries(options.persistedQueryCacheBytes);
  const facts = new WeakMap<PreparedOperation, SessionFacts>();

  function refused(errors: readonly GraphQLError[], refusal: Refusal, operationType?: OperationTypeNode, extensions?: Record<string, unknown>): Outcome {
    return { operationType, answer: refusedAnswer(errors, refusal, extensions), errors };
  }

  /** Everything between the text and execution, in the order of `OperationPlugin`'s stages. */
  function check(source: string, request: OperationRequest, transport: Transport): PreparedOperation | Outcome {
    for (const plugin of plugins) {
      const error = plugin.checkSource?.(source);
      if (error !== undefined) return refused([error], "invalid");
    }
    const checked = documents.get(source);
    if (!("document" in checked)) return refused([parseFailed(checked)], "invalid");
    if (checked.validationErrors.length > 0) return refused(checked.validationErrors.map(validationFailed), "invalid");
    const { document } = checked;
    const operationName = request.operationName ?? undefined;
    const definition = getOperationAST(document, operationName);
    if (definition == null) {
      const operations = document.definitions.filter((node) => node.kind === Kind.OPERATION_DEFINITION).length;
      return refused([operationNotFound(operationName, operations)], "invalid");
    }
    const operationType = definition.operation;
    if (transport === "http-get" && operationType !== OperationTypeNode.QUERY) {
      return refused([badRequest(`GET requests only support query operations, not ${operationType} operations: send it as a POST`)], "query-only", operationType);
    }
    if (transport === "http-post" && operationType === OperationTypeNode.SUBSCRIPTION) {
      return refused([badRequest("subscriptions run over WebSocket (subprotocol graphql-transport-ws) on this path, not over HTTP")], "invalid", operationType);
    }
    const variables = request.variables ?? undefined;
    const operation: ResolvedOperation = { schema, source, document, definition, variables };
    for (const plugin of plugins) {
      const refusal = plugin.checkOperation?.(operation);
      if (refusal !== undefined) return refused([refusal.error], "invalid", operationType, refusal.extensions);
    }
    const coerced = getVariableValues(schema, definition.variableDefinitions ?? [], variables ?? {}, { maxErrors: 25 });
    if (coerced.errors !== undefined) return refused(coerced.errors.map(badVariable), "invalid", operationType);
    return { operation, operationType, operationName, variables };
  }

  function format(result: ExecutionResult, watchers: readonly (ExecutionWatcher | undefined)[]): FormattedExecutionResult {
    let extensions: Record<string, unknown> | undefined = result.extensions;
    for (const watcher of watchers) {
      const added = watcher?.extensions?.(result);
      if (added !== undefined) extensions = { ...extensions, ...added };
    }
    return { errors: result.errors?.map((error) => formatExecutionError(error, codeOf, logger)), data: result.data, extensions };
  }

  function argsOf(prepared: PreparedOperation, context: TContext): ExecutionArgs {
    return { schema, document: prepared.operation.document, contextValue: context, variableValues: prepared.variables, operationName: prepared.operationName };
  }

  function watch(prepared: PreparedOperation, context: TContext): (ExecutionWatcher | undefined)[] {
    return plugins.map((plugin) => plugin.onExecute?.({ operation: prepared.operation, context }));
  }

  /** One execution, start to answer; never throws: a failure outside the resolvers is an internal error. */
  async function produce(prepared: PreparedOperation, caller: Caller, tracker: ReadTracker): Promise<Produced> {
    try {
      const context = await options.context({ tracker, scope: caller.scope });
      const watchers = watch(prepared, context);
      const result = await execute(argsOf(prepared, context));
      return { answer: answerOf(format(result, watchers)), keepable: result.errors === undefined };
    } catch (error) {
      logger.error({ err: error }, "an operation failed outside its resolvers");
      return { answer: refusedAnswer([internalError()], "internal"), keepable: false };
    }
  }

  async function executeWith(prepared: PreparedOperation, { caller, position }: SessionFacts): Promise<Answer> {
    if (prepared.operationType === OperationTypeNode.QUERY && answerCache !== undefined) {
      const key = answerKey(options.name, caller, prepared.operation.source, prepared);
      return answerCache.answer(key, position, (tracker) => produce(prepared, caller, tracker));
    }
    return (await produce(prepared, caller, untrackedReads)).answer;
  }

  function begin(): ((end: OperationEnd) => void)[] {
    return plugins.flatMap((plugin) => plugin.onOperation?.() ?? []);
  }

  function end(ends: readonly ((end: OperationEnd) => void)[], { operationType, answer }: Outcome): Answer {
    const failed = answer.refusal !== undefined || (answer.result?.errors?.length ?? 0) > 0;
    for (const tell of ends) tell({ operationType, outcome: failed ? "error" : "ok" });
    return answer;
  }

  function open(caller: Caller, transport: Transport): OperationSession {
    let arrived: Promise<number> | undefined;
    /** The barrier, once for the whole request, and the cache position it leaves the request at. */
    const position = (): Promise<number> =>
      (arrived ??= (async () => {
        await invalidations?.barrier();
        return answerCache?.position ?? 0;
      })());

    /** Up to execution: the persisted query, the barrier, then the checks. */
    async function admit(request: OperationRequest, ends: SessionFacts["ends"], early: boolean): Promise<PreparedOperation | Outcome> {
      const resolved = persisted.resolve(request);
      if (!resolved.ok) return refused([resolved.error], resolved.unknownHash ? "unknown-persisted-query" : "invalid");
      const at = await position();
      if (early && answerCache !== undefined) {
        // Only queries that passed every check are kept, under a key holding their text: a hit needs no check.
        const kept = answerCache.peek(answerKey(options.name, caller, resolved.source, request));
        if (kept !== undefined) {
          if (resolved.register !== undefined) persisted.register(resolved.register, resolved.source);
          return { operationType: OperationTypeNode.QUERY, answer: kept };
        }
      }
      const prepared = check(resolved.source, request, transport);
      if (!("operation" in prepared)) return prepared;
      if (resolved.register !== undefined) persisted.register(resolved.register, resolved.source);
      facts.set(prepared, { caller, position: at, ends });
      return prepared;
    }

    return {
      async run(request) {
        const ends = begin();
        const admitted = await admit(request, ends, true);
        if (!("operation" in admitted)) return end(ends, admitted);
        return end(ends, { operationType: admitted.operationType, answer: await executeWith(admitted, factsOf(admitted)) });
      },
      async prepare(request) {
        const ends = begin();
        const admitted = await admit(request, ends, false);
        if ("operation" in admitted) return { ready: true, prepared: admitted };
        const answer = end(ends, admitted);
        return { ready: false, errors: admitted.errors ?? [], answer };
      },
    };
  }

  async function executePrepared(prepared: PreparedOperation): Promise<Answer> {
    const known = factsOf(prepared);
    return end(known.ends, { operationType: prepared.operationType, answer: await executeWith(prepared, known) });
  }

  async function subscribe(prepared: PreparedOperation): Promise<AsyncIterableIterator<FormattedExecutionResult> | FormattedExecutionResult> {
    const { caller } = factsOf(prepared);
    try {
      const context = await options.context({ tracker: untrackedReads, scope: caller.scope });
      const args = argsOf(prepared, context);
      const stream = await createSourceEventStream(args);
      if (!isAsyncIterable(stream)) return format(stream, []);
      return mapEvents(stream, async (payload) => {
        try {
          // The event announces a write: what it executes must not come from a cache older than that write.
          await invalidations?.barrier();
          const watchers = watch(prepared, context);
          return format(await execute({ ...args, rootValue: payload }), watchers);
        } catch (error) {
          logger.error({ err: error }, "a subscription event failed outside its resolvers");
          return { errors: [internalError().toJSON()] };
        }
      });
    } catch (error) {
      logger.error({ err: error }, "a subscription failed to open");
      return { errors: [internalError().toJSON()] };
    }
  }

  function factsOf(prepared: PreparedOperation): SessionFacts {
    const known = facts.get(prepared);
    if (known === undefined) throw new Error("this operation was not prepared by this pipeline: call session.prepare first");
    return known;
  }

  return { schema, open, execute: executePrepared, subscribe };
}

/** The answer cache's key: everything the answer depends on besides the data. */
function answerKey(name: string, caller: Caller, source: string, request: Pick<OperationRequest, "operationName" | "variables">): string {
  return `${name}\u0000${caller.scope}\u0000${request.operationName ?? ""}\u0000${JSON.stringify(request.variables ?? {})}\u0000${source}`;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === "function";
}
