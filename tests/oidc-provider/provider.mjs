// A real OpenID Connect provider for the integration tests (npm package oidc-provider, its
// built-in development login and consent pages). Started by tests/integration/oidc.rs:
//   PORT=… REDIRECT_URI=… node provider.mjs
// One confidential client (PKCE required) and a few test users; prints "ready <issuer>" when listening.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const redirectUri = process.env.REDIRECT_URI;
if (!port || !redirectUri) {
  console.error('PORT and REDIRECT_URI must be set');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

// accountId (typed into the provider's login form) → claims.
const users = {
  'lan': { email: 'lan@benhvien.example', email_verified: true, name: 'Nguyễn Thị Lan' },
  'minh': { email: 'minh@boyte.example', email_verified: false, name: 'Trần Văn Minh' },
  'ha': { email: 'ha@boyte.example', email_verified: true, name: 'Phạm Thu Hà' },
  'taken': { email: 'local@benhvien.example', email_verified: true, name: 'Lê Văn Taken' },
  // Says where she works: the tests' ministry rule reads `organization`.
  'vy': { email: 'vy@cucqlkcb.example', email_verified: true, name: 'Đỗ Thị Vy', organization: 'Bộ Y tế' },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'goodpractice',
    client_secret: 'test-secret-not-for-production',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }, {
    // Signs its ID tokens with HS256 (the client secret as the key): goodpractice accepts only
    // asymmetric signatures, so sign-in through this client must be refused end to end.
    client_id: 'goodpractice-hs256',
    client_secret: 'hs256-test-secret-that-is-long-enough-0123456789',
    redirect_uris: [redirectUri.replace('/auth/oidc/test/', '/auth/oidc/hs256/')],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'HS256',
  }, {
    // Used as a plain OAuth 2.0 provider (kind = "oauth2"): the app reads /me, ignores the ID token.
    client_id: 'goodpractice-plain',
    client_secret: 'test-secret-not-for-production',
    redirect_uris: ['plain', 'noid'].map((id) => redirectUri.replace('/auth/oidc/test/', `/auth/oidc/${id}/`)),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  enabledJWA: { idTokenSigningAlgValues: ['RS256', 'HS256'] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'organization'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const user = users[id];
    if (!user) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...user }; } };
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
