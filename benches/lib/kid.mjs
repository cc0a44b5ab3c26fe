// The key id the JWKS origin serves and the JWKS cases ask for (its own module: the origin uses
// node:http, which the workerd bundle of the cases must not pull in).
export const KID = "bench-key";
