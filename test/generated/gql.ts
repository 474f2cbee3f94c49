/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Contexts {\n  contexts {\n    id\n    name\n    createdAt\n    environmentVariables {\n      variable\n      createdAt\n      updatedAt\n    }\n  }\n}": typeof types.ContextsDocument,
    "query Dashboard($projectSlug: String!, $first: Int = 50) {\n  pipelines(projectSlug: $projectSlug, first: $first) {\n    nodes {\n      id\n      number\n      state\n      createdAt\n      vcs {\n        branch\n        revision\n        commitSubject\n      }\n      workflows {\n        id\n        name\n        status\n        createdAt\n        stoppedAt\n        jobs {\n          id\n          name\n          type\n          status\n          jobNumber\n          details {\n            number\n            name\n            status\n            webUrl\n            durationMs\n            startedAt\n            stoppedAt\n            executor {\n              type\n              resourceClass\n            }\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.DashboardDocument,
    "query JobByNumber($projectSlug: String!, $number: Int!) {\n  job(projectSlug: $projectSlug, number: $number) {\n    number\n    name\n    status\n    webUrl\n    projectSlug\n    pipelineId\n    parallelism\n    durationMs\n    startedAt\n    stoppedAt\n    contexts\n    executor {\n      type\n      resourceClass\n    }\n    messages {\n      type\n      message\n    }\n    steps {\n      name\n      actions {\n        index\n        status\n        exitCode\n      }\n    }\n  }\n}": typeof types.JobByNumberDocument,
    "query PipelineById($id: ID!) {\n  pipeline(id: $id) {\n    id\n    number\n    projectSlug\n    state\n    createdAt\n    trigger {\n      type\n      actor {\n        login\n      }\n    }\n    workflows {\n      id\n      name\n      status\n    }\n  }\n}": typeof types.PipelineByIdDocument,
    "subscription PipelineCreated($projectSlug: String) {\n  pipelineCreated(projectSlug: $projectSlug) {\n    id\n    number\n    projectSlug\n    state\n  }\n}\n\nsubscription WorkflowStatusChanged($projectSlug: String) {\n  workflowStatusChanged(projectSlug: $projectSlug) {\n    id\n    name\n    status\n    pipelineId\n    projectSlug\n  }\n}\n\nsubscription JobStatusChanged($projectSlug: String) {\n  jobStatusChanged(projectSlug: $projectSlug) {\n    id\n    name\n    status\n    projectSlug\n  }\n}": typeof types.PipelineCreatedDocument,
    "query SyncStatus {\n  syncStatus {\n    running\n    cycles\n    lastCycleStartedAt\n    lastCycleCompletedAt\n    streams {\n      stream\n      projectSlug\n      lastSuccessAt\n      lastError\n      records\n    }\n  }\n}": typeof types.SyncStatusDocument,
};
const documents: Documents = {
    "query Contexts {\n  contexts {\n    id\n    name\n    createdAt\n    environmentVariables {\n      variable\n      createdAt\n      updatedAt\n    }\n  }\n}": types.ContextsDocument,
    "query Dashboard($projectSlug: String!, $first: Int = 50) {\n  pipelines(projectSlug: $projectSlug, first: $first) {\n    nodes {\n      id\n      number\n      state\n      createdAt\n      vcs {\n        branch\n        revision\n        commitSubject\n      }\n      workflows {\n        id\n        name\n        status\n        createdAt\n        stoppedAt\n        jobs {\n          id\n          name\n          type\n          status\n          jobNumber\n          details {\n            number\n            name\n            status\n            webUrl\n            durationMs\n            startedAt\n            stoppedAt\n            executor {\n              type\n              resourceClass\n            }\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.DashboardDocument,
    "query JobByNumber($projectSlug: String!, $number: Int!) {\n  job(projectSlug: $projectSlug, number: $number) {\n    number\n    name\n    status\n    webUrl\n    projectSlug\n    pipelineId\n    parallelism\n    durationMs\n    startedAt\n    stoppedAt\n    contexts\n    executor {\n      type\n      resourceClass\n    }\n    messages {\n      type\n      message\n    }\n    steps {\n      name\n      actions {\n        index\n        status\n        exitCode\n      }\n    }\n  }\n}": types.JobByNumberDocument,
    "query PipelineById($id: ID!) {\n  pipeline(id: $id) {\n    id\n    number\n    projectSlug\n    state\n    createdAt\n    trigger {\n      type\n      actor {\n        login\n      }\n    }\n    workflows {\n      id\n      name\n      status\n    }\n  }\n}": types.PipelineByIdDocument,
    "subscription PipelineCreated($projectSlug: String) {\n  pipelineCreated(projectSlug: $projectSlug) {\n    id\n    number\n    projectSlug\n    state\n  }\n}\n\nsubscription WorkflowStatusChanged($projectSlug: String) {\n  workflowStatusChanged(projectSlug: $projectSlug) {\n    id\n    name\n    status\n    pipelineId\n    projectSlug\n  }\n}\n\nsubscription JobStatusChanged($projectSlug: String) {\n  jobStatusChanged(projectSlug: $projectSlug) {\n    id\n    name\n    status\n    projectSlug\n  }\n}": types.PipelineCreatedDocument,
    "query SyncStatus {\n  syncStatus {\n    running\n    cycles\n    lastCycleStartedAt\n    lastCycleCompletedAt\n    streams {\n      stream\n      projectSlug\n      lastSuccessAt\n      lastError\n      records\n    }\n  }\n}": types.SyncStatusDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Contexts {\n  contexts {\n    id\n    name\n    createdAt\n    environmentVariables {\n      variable\n      createdAt\n      updatedAt\n    }\n  }\n}"): (typeof documents)["query Contexts {\n  contexts {\n    id\n    name\n    createdAt\n    environmentVariables {\n      variable\n      createdAt\n      updatedAt\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Dashboard($projectSlug: String!, $first: Int = 50) {\n  pipelines(projectSlug: $projectSlug, first: $first) {\n    nodes {\n      id\n      number\n      state\n      createdAt\n      vcs {\n        branch\n        revision\n        commitSubject\n      }\n      workflows {\n        id\n        name\n        status\n        createdAt\n        stoppedAt\n        jobs {\n          id\n          name\n          type\n          status\n          jobNumber\n          details {\n            number\n            name\n            status\n            webUrl\n            durationMs\n            startedAt\n            stoppedAt\n            executor {\n              type\n              resourceClass\n            }\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query Dashboard($projectSlug: String!, $first: Int = 50) {\n  pipelines(projectSlug: $projectSlug, first: $first) {\n    nodes {\n      id\n      number\n      state\n      createdAt\n      vcs {\n        branch\n        revision\n        commitSubject\n      }\n      workflows {\n        id\n        name\n        status\n        createdAt\n        stoppedAt\n        jobs {\n          id\n          name\n          type\n          status\n          jobNumber\n          details {\n            number\n            name\n            status\n            webUrl\n            durationMs\n            startedAt\n            stoppedAt\n            executor {\n              type\n              resourceClass\n            }\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query JobByNumber($projectSlug: String!, $number: Int!) {\n  job(projectSlug: $projectSlug, number: $number) {\n    number\n    name\n    status\n    webUrl\n    projectSlug\n    pipelineId\n    parallelism\n    durationMs\n    startedAt\n    stoppedAt\n    contexts\n    executor {\n      type\n      resourceClass\n    }\n    messages {\n      type\n      message\n    }\n    steps {\n      name\n      actions {\n        index\n        status\n        exitCode\n      }\n    }\n  }\n}"): (typeof documents)["query JobByNumber($projectSlug: String!, $number: Int!) {\n  job(projectSlug: $projectSlug, number: $number) {\n    number\n    name\n    status\n    webUrl\n    projectSlug\n    pipelineId\n    parallelism\n    durationMs\n    startedAt\n    stoppedAt\n    contexts\n    executor {\n      type\n      resourceClass\n    }\n    messages {\n      type\n      message\n    }\n    steps {\n      name\n      actions {\n        index\n        status\n        exitCode\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PipelineById($id: ID!) {\n  pipeline(id: $id) {\n    id\n    number\n    projectSlug\n    state\n    createdAt\n    trigger {\n      type\n      actor {\n        login\n      }\n    }\n    workflows {\n      id\n      name\n      status\n    }\n  }\n}"): (typeof documents)["query PipelineById($id: ID!) {\n  pipeline(id: $id) {\n    id\n    number\n    projectSlug\n    state\n    createdAt\n    trigger {\n      type\n      actor {\n        login\n      }\n    }\n    workflows {\n      id\n      name\n      status\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription PipelineCreated($projectSlug: String) {\n  pipelineCreated(projectSlug: $projectSlug) {\n    id\n    number\n    projectSlug\n    state\n  }\n}\n\nsubscription WorkflowStatusChanged($projectSlug: String) {\n  workflowStatusChanged(projectSlug: $projectSlug) {\n    id\n    name\n    status\n    pipelineId\n    projectSlug\n  }\n}\n\nsubscription JobStatusChanged($projectSlug: String) {\n  jobStatusChanged(projectSlug: $projectSlug) {\n    id\n    name\n    status\n    projectSlug\n  }\n}"): (typeof documents)["subscription PipelineCreated($projectSlug: String) {\n  pipelineCreated(projectSlug: $projectSlug) {\n    id\n    number\n    projectSlug\n    state\n  }\n}\n\nsubscription WorkflowStatusChanged($projectSlug: String) {\n  workflowStatusChanged(projectSlug: $projectSlug) {\n    id\n    name\n    status\n    pipelineId\n    projectSlug\n  }\n}\n\nsubscription JobStatusChanged($projectSlug: String) {\n  jobStatusChanged(projectSlug: $projectSlug) {\n    id\n    name\n    status\n    projectSlug\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SyncStatus {\n  syncStatus {\n    running\n    cycles\n    lastCycleStartedAt\n    lastCycleCompletedAt\n    streams {\n      stream\n      projectSlug\n      lastSuccessAt\n      lastError\n      records\n    }\n  }\n}"): (typeof documents)["query SyncStatus {\n  syncStatus {\n    running\n    cycles\n    lastCycleStartedAt\n    lastCycleCompletedAt\n    streams {\n      stream\n      projectSlug\n      lastSuccessAt\n      lastError\n      records\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;