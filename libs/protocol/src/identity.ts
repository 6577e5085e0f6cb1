import { z } from 'zod';

export const RoleSchema = z.enum(['ADMIN', 'BUILDER', 'DONOR']);
export type Role = z.infer<typeof RoleSchema>;

/** Handles are public, URL-safe and unique. */
export const HandleSchema = z
  .string()
  .min(3)
  .max(32)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lower-case letters, digits and inner dashes only');

const NameSchema = z.string().trim().min(1).max(80);

export const UserViewSchema = z.object({
  id: z.uuid(),
  handle: z.string(),
  displayName: z.string(),
  roles: z.array(RoleSchema),
  createdAt: z.iso.datetime(),
  disabledAt: z.iso.datetime().nullable(),
});
export type UserView = z.infer<typeof UserViewSchema>;

/** Self sign-up: a builder and/or donor account (never admin). */
export const SignupBodySchema = z.strictObject({
  handle: HandleSchema,
  displayName: NameSchema,
  roles: z.array(z.enum(['BUILDER', 'DONOR'])).min(1).max(2),
});
export type SignupBody = z.infer<typeof SignupBodySchema>;

/** An admin creates an account with any roles. */
export const CreateUserBodySchema = z.strictObject({
  handle: HandleSchema,
  displayName: NameSchema,
  roles: z.array(RoleSchema).min(1).max(3),
});
export type CreateUserBody = z.infer<typeof CreateUserBodySchema>;

export const UpdateUserBodySchema = z.strictObject({
  displayName: NameSchema.optional(),
  roles: z.array(RoleSchema).min(1).max(3).optional(),
  disabled: z.boolean().optional(),
});
export type UpdateUserBody = z.infer<typeof UpdateUserBodySchema>;

export const ApiKeyViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  expiresAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyViewSchema>;

export const CreateApiKeyBodySchema = z.strictObject({
  name: NameSchema,
  /** Lifetime in days; omitted means no expiry. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBodySchema>;

/** The only response that ever contains the secret. */
export const CreatedApiKeySchema = z.object({ apiKey: ApiKeyViewSchema, secret: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

export const SignupResultSchema = z.object({ user: UserViewSchema, apiKey: ApiKeyViewSchema, secret: z.string() });
export type SignupResult = z.infer<typeof SignupResultSchema>;

export const AgentViewSchema = z.object({
  id: z.uuid(),
  ownerId: z.uuid(),
  name: z.string(),
  tokenPrefix: z.string(),
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
  lastSeenAt: z.iso.datetime().nullable(),
  hostname: z.string().nullable(),
  simulated: z.boolean(),
  trustLevel: z.number().int(),
});
export type AgentView = z.infer<typeof AgentViewSchema>;

export const CreateAgentBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(64).regex(/^[\w.-]+$/, 'letters, digits, dot, dash and underscore only'),
});
export type CreateAgentBody = z.infer<typeof CreateAgentBodySchema>;

/** Agent registration: the token is shown once, here. */
export const CreatedAgentSchema = z.object({ agent: AgentViewSchema, token: z.string() });
export type CreatedAgent = z.infer<typeof CreatedAgentSchema>;

export const AuditEntryViewSchema = z.object({
  id: z.string(),
  actorUserId: z.uuid().nullable(),
  actorAgentId: z.uuid().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type AuditEntryView = z.infer<typeof AuditEntryViewSchema>;
