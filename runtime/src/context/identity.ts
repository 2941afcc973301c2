/**
 * Who is calling, as established by something verified: a JWT whose
 * signature was checked, or the client certificate of an mTLS connection.
 * Never built from a plain header, which any caller can set.
 */
export interface Identity {
  /** The principal, e.g. the JWT `sub` or the certificate subject. */
  readonly subject: string;
  /** The tenant or domain the subject acts in, for RBAC with domains. */
  readonly domain?: string;
  /**
   * Roles the credential itself grants, e.g. the JWT's roles claim. An
   * authorizer considers them besides the roles its policy assigns.
   */
  readonly roles?: readonly string[];
  /** Every verified claim, e.g. the JWT payload. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** What established the identity. */
  readonly source: "jwt" | "mtls";
}
