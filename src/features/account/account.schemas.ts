import { Type } from '@sinclair/typebox';
import { ref, Timestamp, Uuid } from '../../lib/schemas.ts';
import { User } from '../auth/auth.schemas.ts';

const Password = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });
const Email = Type.String({ minLength: 1, maxLength: 254 });
const LinkToken = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'The `token` of the emailed link.',
});

export const PasswordResetBody = Type.Object({ email: Email }, { additionalProperties: false });

export const PasswordResetReceived = Type.Object(
  { status: Type.Literal('received'), message: Type.String() },
  { description: 'The same answer, byte for byte, whether or not an account has the address.' },
);

export const PasswordResetConfirmBody = Type.Object(
  { token: LinkToken, password: Password('The new password (at least 8 characters).') },
  { additionalProperties: false },
);

export const EmailChangeConfirmBody = Type.Object({ token: LinkToken }, { additionalProperties: false });

export const UserEnvelope = Type.Object({ user: ref(User) });

export const ProfileBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'Trimmed.' }) },
  { additionalProperties: false },
);

export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Password('The password the account has now.'),
    newPassword: Password('At least 8 characters.'),
  },
  { additionalProperties: false },
);

export const Revoked = Type.Object({
  revoked: Type.Integer({ minimum: 0, description: 'Sessions ended (all but the current one).' }),
});

export const EmailChangeBody = Type.Object(
  { email: Email, password: Password('The password the account has now.') },
  { additionalProperties: false },
);

export const EmailChangePending = Type.Object({
  email: Type.String({ description: 'The new address, where the link went.' }),
  expiresAt: Timestamp,
});

export const DeleteAccountBody = Type.Object(
  { password: Password('The password the account has now.') },
  { additionalProperties: false },
);

export const SessionInfo = Type.Object(
  {
    id: Uuid,
    createdAt: Timestamp,
    lastUsedAt: Timestamp,
    expiresAt: Timestamp,
    ip: Type.Union([Type.String(), Type.Null()]),
    userAgent: Type.Union([Type.String(), Type.Null()]),
    methods: Type.Array(Type.String(), {
      description: "How it was signed in: 'pwd', 'otp', 'recovery_code', 'passkey', …",
    }),
    current: Type.Boolean({ description: 'The session this request came with.' }),
  },
  { $id: 'SessionInfo' },
);

export const SessionList = Type.Object({ data: Type.Array(ref(SessionInfo)) });

export const SessionParams = Type.Object({ id: Uuid });
