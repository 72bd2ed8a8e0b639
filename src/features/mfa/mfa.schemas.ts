import { Type } from '@sinclair/typebox';
import { NullableTimestamp, Timestamp, Uuid } from '../../lib/schemas.ts';
import type { PasskeyRow } from './mfa.repository.ts';

export const Passkey = Type.Object({
  id: Uuid,
  name: Type.String(),
  createdAt: Timestamp,
  lastUsedAt: NullableTimestamp,
  deviceType: Type.Union([Type.String(), Type.Null()], {
    description: "'singleDevice' or 'multiDevice' (synced), as the authenticator said at registration",
  }),
  backedUp: Type.Boolean({
    description: 'Whether the passkey is synced to a backup (e.g. a password manager)',
  }),
});

export function serializePasskey(p: PasskeyRow) {
  return {
    id: p.id,
    name: p.name,
    createdAt: p.created_at,
    lastUsedAt: p.last_used_at,
    deviceType: p.device_type,
    backedUp: p.backed_up,
  };
}

export const TotpState = Type.Object({
  enabled: Type.Boolean({ description: 'false while the set-up waits for its first code' }),
  confirmedAt: NullableTimestamp,
});

export const MfaOverview = Type.Object({
  totp: Type.Union([TotpState, Type.Null()], { description: 'null: no authenticator app' }),
  passkeys: Type.Array(Passkey),
  recoveryCodes: Type.Object({ remaining: Type.Integer({ description: 'Unused recovery codes' }) }),
});

export const TotpEnrolment = Type.Object({
  secret: Type.String({ description: 'Base32; for typing into an authenticator app by hand' }),
  otpauthUrl: Type.String({ description: 'otpauth://totp/… — show it as a QR code' }),
});

export const RecoveryCodeList = Type.Array(Type.String({ description: 'xxxx-xxxx-xxxx' }), {
  description: 'Shown once: Roster keeps only their hashes. Each works once.',
});

export const TotpConfirmed = Type.Object({ totp: TotpState, recoveryCodes: RecoveryCodeList });

export const RecoveryCodes = Type.Object({ recoveryCodes: RecoveryCodeList });

export const CodeBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 32, description: 'The 6 digits the app shows' }) },
  { additionalProperties: false },
);

export const PasswordBody = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

const Base64Url = Type.String({ maxLength: 16_384 });

/** What `navigator.credentials.create()` gave, as JSON (`PublicKeyCredential.toJSON()`). */
export const RegistrationResponse = Type.Object(
  {
    id: Base64Url,
    rawId: Base64Url,
    type: Type.Literal('public-key'),
    response: Type.Object({
      clientDataJSON: Base64Url,
      attestationObject: Base64Url,
      transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 })),
    }),
    clientExtensionResults: Type.Object({}),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { description: 'The registration response JSON (as @simplewebauthn/browser startRegistration gives it)' },
);

/** What `navigator.credentials.get()` gave, as JSON. */
export const AuthenticationResponse = Type.Object(
  {
    id: Base64Url,
    rawId: Base64Url,
    type: Type.Literal('public-key'),
    response: Type.Object({
      clientDataJSON: Base64Url,
      authenticatorData: Base64Url,
      signature: Base64Url,
      userHandle: Type.Optional(Base64Url),
    }),
    clientExtensionResults: Type.Object({}),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  },
  {
    description: 'The authentication response JSON (as @simplewebauthn/browser startAuthentication gives it)',
  },
);

export const WebAuthnOptions = Type.Unknown({
  description:
    'PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON: pass to @simplewebauthn/browser (optionsJSON) or decode for navigator.credentials',
});

export const OptionsEnvelope = Type.Object({ options: WebAuthnOptions });

export const PasskeyName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });

export const AddPasskeyBody = Type.Object(
  { response: RegistrationResponse, name: Type.Optional(PasskeyName) },
  { additionalProperties: false },
);

export const AddedPasskey = Type.Object({
  passkey: Passkey,
  recoveryCodes: Type.Union([RecoveryCodeList, Type.Null()], {
    description: 'New recovery codes when this passkey is the account’s first second factor; else null',
  }),
});

export const PasskeyList = Type.Object({ data: Type.Array(Passkey) });

export const RenamePasskeyBody = Type.Object({ name: PasskeyName }, { additionalProperties: false });

export const PasskeyParams = Type.Object({ id: Uuid });

const Challenge = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'The `rm_…` token of the MFA_REQUIRED answer to sign-in',
});

export const ChallengeBody = Type.Object({ challenge: Challenge }, { additionalProperties: false });

export const MfaAnswerBody = Type.Object(
  {
    challenge: Challenge,
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'An authenticator code' })),
    recoveryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    passkey: Type.Optional(AuthenticationResponse),
  },
  {
    additionalProperties: false,
    description: 'The challenge and exactly one of code, recoveryCode, passkey',
  },
);

export const PasskeySignInOptions = Type.Object({
  challengeId: Uuid,
  options: WebAuthnOptions,
});

export const PasskeySignInBody = Type.Object(
  { challengeId: Uuid, response: AuthenticationResponse },
  { additionalProperties: false },
);
