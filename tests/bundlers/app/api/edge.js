// A Vercel Edge Function (`runtime: "edge"`), as `vercel dev` and the edge-light bundle run it.
import { twoGets } from "../app.js";

export const config = { runtime: "edge" };

export default async function handler() {
  return Response.json(await twoGets());
}
