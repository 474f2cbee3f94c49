import { printGatewaySchema } from "../resolvers/build-schema.js";

/** `node dist/schema/print.js > schema.graphql`: regenerates the committed schema. */
process.stdout.write(await printGatewaySchema());
