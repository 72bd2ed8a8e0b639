import { Type } from '@sinclair/typebox';
import { NullableTimestamp, ref, Timestamp, Uuid } from '../../lib/schemas.ts';

export const User = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    name: Type.String(),
    emailVerified: Type.Boolean(),
    emailVerifiedAt: NullableTimestamp,
    createdAt: Timestamp,
  },
  { $id: 'User' },
);

export const Session = Type.Object({
  token: Type.String({ description: 'Bearer token; also set as the HttpOnly session cookie.' }),
  expiresAt: Timestamp,
});

export const SignUpBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    invitationToken: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'The token of an invitation to this email: the account starts verified and joins.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const SignInBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);

export const TokenBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const UserAndSession = Type.Object({ user: ref(User), session: Session });

export function serializeUser(u: {
  id: string;
  email: string;
  name: string;
  email_verified_at: Date | null;
  created_at: Date;
}) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    emailVerified: u.email_verified_at !== null,
    emailVerifiedAt: u.email_verified_at,
    createdAt: u.created_at,
  };
}
