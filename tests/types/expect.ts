// The expect-type helpers of the type tests (no dependency): `Expect<Equal<A, B>>` compiles only
// if A and B are the same type — not merely assignable either way (`any` equals only `any`).
export type Equal<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;
export type Expect<T extends true> = T;
