// A Next.js App Router route on the edge runtime: Next resolves the package under `edge-light`
// and turns its `.wasm?module` import into a wasm binding of the edge function.
import { twoGets } from "../../../lib/app.js";

export const runtime = "edge";

export async function GET() {
  return Response.json(await twoGets());
}
