// A real OpenID Connect provider for the integration tests (npm package oidc-provider, its
// built-in development login and consent pages). Started by tests/integration/oidc.rs:
//   PORT=… REDIRECT_URI=… node provider.mjs
// Confidential clients (PKCE required) and a few test users; prints "ready <issuer>" when listening.
// Some clients get deliberately bad ID tokens (see `tamperedTokens`), to test the app refuses them.
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
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

// The redirect URI of the app's provider `id` (REDIRECT_URI is the one of provider `test`).
const callbackOf = (id) => redirectUri.replace('/auth/oidc/test/', `/auth/oidc/${id}/`);

// Our own signing key, made at start, so this script can sign ID tokens the provider would not.
// The kid is new at each start: an app that kept an earlier run's keys fetches them again.
const signingKeyPair = await generateKeyPair('RS256', { extractable: true });
const kid = `test-${randomUUID()}`;
const signingJwk = { ...(await exportJWK(signingKeyPair.privateKey)), kid, alg: 'RS256', use: 'sig' };
// An attacker's key: not in the provider's JWKS, yet named by the same kid, so only checking the
// signature itself (not just looking the kid up) can tell its tokens apart.
const otherKeyPair = await generateKeyPair('RS256');

// client_id → how its ID tokens are spoiled after the provider signs them: the claims to change
// and the key to sign again with. Each is one attack an ID-token check must refuse (OIDC Core
// 3.1.3.7); `resigned` changes nothing, showing that re-signing alone is not what gets refused.
const twoHoursAgo = () => Math.floor(Date.now() / 1000) - 2 * 3600;
const tamperedTokens = {
  'goodpractice-resigned': { claims: () => ({}), key: signingKeyPair.privateKey },
  'goodpractice-wrong-aud': { claims: () => ({ aud: 'goodpractice' }), key: signingKeyPair.privateKey },
  'goodpractice-wrong-iss': { claims: () => ({ iss: 'http://id.evil.example' }), key: signingKeyPair.privateKey },
  'goodpractice-wrong-nonce': { claims: () => ({ nonce: 'a-nonce-this-sign-in-never-sent' }), key: signingKeyPair.privateKey },
  // Issued two hours ago and valid for ten minutes: far past the app's 60 s leeway.
  'goodpractice-expired': { claims: () => ({ iat: twoHoursAgo(), exp: twoHoursAgo() + 600 }), key: signingKeyPair.privateKey },
  'goodpractice-other-key': { claims: () => ({}), key: otherKeyPair.privateKey },
};

// The token response's ID token with `changes` applied, signed by `key` under the same header.
async function spoiled(idToken, changes, key) {
  const claims = { ...decodeJwt(idToken), ...changes };
  return new SignJWT(claims).setProtectedHeader(decodeProtectedHeader(idToken)).sign(key);
}

const tamperedClients = Object.keys(tamperedTokens).map((clientId) => ({
  client_id: clientId,
  client_secret: 'test-secret-not-for-production',
  redirect_uris: [callbackOf(clientId.replace('goodpractice-', ''))],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
}));

const provider = new Provider(issuer, {
  jwks: { keys: [signingJwk] },
  clients: [...tamperedClients, {
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
    redirect_uris: [callbackOf('hs256')],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'HS256',
  }, {
    // Used as a plain OAuth 2.0 provider (kind = "oauth2"): the app reads /me, ignores the ID token.
    client_id: 'goodpractice-plain',
    client_secret: 'test-secret-not-for-production',
    redirect_uris: ['plain', 'noid'].map(callbackOf),
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

// After the token endpoint has answered one of the tampered clients, spoil its ID token.
provider.use(async (ctx, next) => {
  await next();
  const tampering = ctx.oidc?.route === 'token' && tamperedTokens[ctx.oidc.client?.clientId];
  if (tampering && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: await spoiled(ctx.body.id_token, tampering.claims(), tampering.key) };
  }
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
