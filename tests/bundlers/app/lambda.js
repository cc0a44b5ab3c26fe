// An AWS Lambda handler, bundled as the CDK's NodejsFunction does (esbuild, CommonJS, node20) and
// invoked several times in one process, as warm invocations are.
import { twoGets } from "./app.js";

let invocations = 0;

export const handler = async () => ({ invocation: ++invocations, ...(await twoGets()) });
