import {
  AgentViewSchema,
  BoardPageSchema,
  ContributorProfileSchema,
  PublicKeySchema,
  PublicKeySetSchema,
  ReceiptSchema,
  ReceiptVerificationSchema,
  StatsExportHeaderSchema,
  StatsExportIndexSchema,
  StatsExportRowSchema,
  TeamDetailSchema,
  TeamMembershipViewSchema,
  TeamViewSchema,
  type BoardPage,
  type BoardWindow,
  type BoardKind,
  type BoardScope,
  type ContributorProfile,
  type CreateTeamInput,
  type PublicKey,
  type PublicKeySet,
  type Receipt,
  type ReceiptVerification,
  type StatsExportHeader,
  type StatsExportIndex,
  type StatsExportRow,
  type TeamDetail,
  type TeamMembershipView,
  type TeamView,
  ApiKeyViewSchema,
  AuditEntryViewSchema,
  AttemptViewSchema,
  BaseModelSchema,
  JobProgressViewSchema,
  JobLogViewSchema,
  ControlResultSchema,
  JobViewSchema,
  JobsBatchViewSchema,
  WhyNoJobSchema,
  JobWhySchema,
  DatasetPreviewSchema,
  DatasetViewSchema,
  FleetAgentSchema,
  FleetPageSchema,
  TelemetryHistorySchema,
  CreatedAgentSchema,
  CreatedApiKeySchema,
  ReadinessSchema,
  SignupResultSchema,
  UserViewSchema,
  pageOf,
  type AgentView,
  type ApiKeyView,
  type AuditEntryView,
  type ControlCommand,
  type AttemptView,
  type BaseModel,
  type JobProgressView,
  type JobLogView,
  type ControlResult,
  type CreateJobInput,
  type JobsBatchView,
  type JobView,
  type WhyNoJob,
  type JobWhy,
  type CreateDatasetInput,
  type DatasetPreview,
  type DatasetView,
  type FleetAgent,
  type FleetPage,
  type TelemetryHistory,
  type CreateAgentBody,
  type CreateApiKeyBody,
  type CreatedAgent,
  type CreatedApiKey,
  type CreateUserBody,
  type Page,
  type Readiness,
  type SignupBody,
  type SignupResult,
  type UpdateUserBody,
  type UserView,
} from '@potluck/protocol';
import { z } from 'zod';
import { PotluckApiError } from './errors.js';

export interface PotluckClientOptions {
  /** Coordinator base URL, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** API key (`pk_…`); omit for public endpoints. */
  apiKey?: string;
  fetch?: typeof fetch;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Typed HTTP client of the coordinator's REST API. Every response is parsed with its
 * protocol schema, so a client never works with data it has not validated.
 */
export class PotluckClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: PotluckClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    // Unbound, browsers refuse `fetch` called as a method of another object ("Illegal invocation").
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The same client speaking with another key. */
  withApiKey(apiKey: string): PotluckClient {
    return new PotluckClient({ ...this.options, apiKey });
  }

  async request<T extends z.ZodType>(method: Method, path: string, schema: T, body?: unknown, raw?: { contentType: string; data: string | Uint8Array }): Promise<z.infer<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (raw) headers['content-type'] = raw.contentType;
    const response = await this.fetchImpl(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(raw ? { body: raw.data } : body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw PotluckApiError.from(response.status, text);
    return schema.parse(JSON.parse(text));
  }

  health(): Promise<{ status: string }> {
    return this.request('GET', '/healthz', z.object({ status: z.string() }));
  }

  /** Resolves with the readiness report even when the coordinator answers 503. */
  async readiness(): Promise<Readiness> {
    const response = await this.fetchImpl(`${this.baseUrl}/readyz`);
    return ReadinessSchema.parse(await response.json());
  }

  signup(body: SignupBody): Promise<SignupResult> {
    return this.request('POST', '/api/v1/signup', SignupResultSchema, body);
  }

  me(): Promise<UserView> {
    return this.request('GET', '/api/v1/me', UserViewSchema);
  }

  users = {
    list: (query: { limit?: number; cursor?: string } = {}): Promise<Page<UserView>> =>
      this.request('GET', `/api/v1/users${toQuery(query)}`, pageOf(UserViewSchema)),
    create: (body: CreateUserBody): Promise<SignupResult> => this.request('POST', '/api/v1/users', SignupResultSchema, body),
    get: (id: string): Promise<UserView> => this.request('GET', `/api/v1/users/${encodeURIComponent(id)}`, UserViewSchema),
    update: (id: string, body: UpdateUserBody): Promise<UserView> =>
      this.request('PATCH', `/api/v1/users/${encodeURIComponent(id)}`, UserViewSchema, body),
  };

  apiKeys = {
    create: (body: CreateApiKeyBody): Promise<CreatedApiKey> => this.request('POST', '/api/v1/api-keys', CreatedApiKeySchema, body),
    list: (): Promise<ApiKeyView[]> => this.request('GET', '/api/v1/api-keys', z.array(ApiKeyViewSchema)),
    revoke: (id: string): Promise<ApiKeyView> => this.request('DELETE', `/api/v1/api-keys/${encodeURIComponent(id)}`, ApiKeyViewSchema),
  };

  agents = {
    create: (body: CreateAgentBody): Promise<CreatedAgent> => this.request('POST', '/api/v1/agents', CreatedAgentSchema, body),
    list: (): Promise<AgentView[]> => this.request('GET', '/api/v1/agents', z.array(AgentViewSchema)),
    get: (id: string): Promise<AgentView> => this.request('GET', `/api/v1/agents/${encodeURIComponent(id)}`, AgentViewSchema),
    revoke: (id: string): Promise<AgentView> => this.request('POST', `/api/v1/agents/${encodeURIComponent(id)}/revoke`, AgentViewSchema),
    rotateToken: (id: string): Promise<CreatedAgent> => this.request('POST', `/api/v1/agents/${encodeURIComponent(id)}/token`, CreatedAgentSchema),
    control: (id: string, command: ControlCommand): Promise<ControlResult> =>
      this.request('POST', `/api/v1/agents/${encodeURIComponent(id)}/control`, ControlResultSchema, command),
  };

  fleet = {
    list: (query: { status?: string; gpu?: string; simulated?: boolean; mine?: boolean; limit?: number; offset?: number } = {}): Promise<FleetPage> =>
      this.request('GET', `/api/v1/fleet${toQuery({ ...query, simulated: query.simulated?.toString(), mine: query.mine?.toString() })}`, FleetPageSchema),
    get: (agentId: string): Promise<FleetAgent> => this.request('GET', `/api/v1/fleet/agents/${encodeURIComponent(agentId)}`, FleetAgentSchema),
    telemetry: (agentId: string, query: { gpu?: string; resolution?: 'raw' | 'minute'; from?: number; to?: number } = {}): Promise<TelemetryHistory> =>
      this.request('GET', `/api/v1/fleet/agents/${encodeURIComponent(agentId)}/telemetry${toQuery(query)}`, TelemetryHistorySchema),
  };

  datasets = {
    create: (body: CreateDatasetInput): Promise<DatasetView> => this.request('POST', '/api/v1/datasets', DatasetViewSchema, body),
    list: (query: { mine?: boolean; limit?: number; offset?: number } = {}): Promise<DatasetView[]> =>
      this.request('GET', `/api/v1/datasets${toQuery({ ...query, mine: query.mine?.toString() })}`, z.array(DatasetViewSchema)),
    get: (id: string): Promise<DatasetView> => this.request('GET', `/api/v1/datasets/${encodeURIComponent(id)}`, DatasetViewSchema),
    /** Uploads a JSONL file as the dataset's next version. */
    upload: (id: string, jsonl: string | Uint8Array): Promise<DatasetView> =>
      this.request('POST', `/api/v1/datasets/${encodeURIComponent(id)}/versions`, DatasetViewSchema, undefined, { contentType: 'application/jsonl', data: jsonl }),
    preview: (id: string, version: number, rows = 20): Promise<DatasetPreview> =>
      this.request('GET', `/api/v1/datasets/${encodeURIComponent(id)}/versions/${version}/preview${toQuery({ rows })}`, DatasetPreviewSchema),
    /** The stored file of one version, as bytes. */
    download: async (id: string, version: number): Promise<Uint8Array> => {
      const response = await this.fetchImpl(`${this.baseUrl}/api/v1/datasets/${encodeURIComponent(id)}/versions/${version}/download`, {
        headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {},
      });
      if (!response.ok) throw PotluckApiError.from(response.status, await response.text());
      return new Uint8Array(await response.arrayBuffer());
    },
  };

  jobs = {
    create: (body: CreateJobInput): Promise<JobView> => this.request('POST', '/api/v1/jobs', JobViewSchema, body),
    /** Many standalone jobs in one request (all or none; at most MAX_JOBS_PER_BATCH), in order. */
    createBatch: (jobs: CreateJobInput[]): Promise<JobsBatchView> => this.request('POST', '/api/v1/jobs/batch', JobsBatchViewSchema, { jobs }),
    list: (query: { status?: string; kind?: string; limit?: number; cursor?: string } = {}): Promise<Page<JobView>> =>
      this.request('GET', `/api/v1/jobs${toQuery(query)}`, pageOf(JobViewSchema)),
    get: (id: string): Promise<JobView> => this.request('GET', `/api/v1/jobs/${encodeURIComponent(id)}`, JobViewSchema),
    cancel: (id: string): Promise<JobView> => this.request('POST', `/api/v1/jobs/${encodeURIComponent(id)}/cancel`, JobViewSchema),
    /** Why a queued job waits: the online agents counted by the rule that keeps each away. */
    why: (id: string): Promise<JobWhy> => this.request('GET', `/api/v1/jobs/${encodeURIComponent(id)}/why`, JobWhySchema),
    /** A failed or cancelled job again as a new job (the same one when retried before). */
    retry: (id: string): Promise<JobView> => this.request('POST', `/api/v1/jobs/${encodeURIComponent(id)}/retry`, JobViewSchema),
    attempts: (id: string): Promise<AttemptView[]> => this.request('GET', `/api/v1/jobs/${encodeURIComponent(id)}/attempts`, z.array(AttemptViewSchema)),
    progress: (id: string): Promise<JobProgressView> => this.request('GET', `/api/v1/jobs/${encodeURIComponent(id)}/progress`, JobProgressViewSchema),
    /** The job's latest log lines (bounded), oldest first. */
    logs: (id: string): Promise<JobLogView> => this.request('GET', `/api/v1/jobs/${encodeURIComponent(id)}/logs`, JobLogViewSchema),
    /** The adapter bytes a succeeded fine-tune produced. */
    /** The report (JSON bytes, `potluck-eval-report/1`) an eval job produced. */
    report: async (id: string): Promise<Uint8Array> => {
      const response = await this.fetchImpl(`${this.baseUrl}/api/v1/jobs/${encodeURIComponent(id)}/report`, {
        headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {},
      });
      if (!response.ok) throw PotluckApiError.from(response.status, await response.text());
      return new Uint8Array(await response.arrayBuffer());
    },
    adapter: async (id: string): Promise<Uint8Array> => {
      const response = await this.fetchImpl(`${this.baseUrl}/api/v1/jobs/${encodeURIComponent(id)}/adapter`, {
        headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {},
      });
      if (!response.ok) throw PotluckApiError.from(response.status, await response.text());
      return new Uint8Array(await response.arrayBuffer());
    },
    whyNoJob: (agentId: string): Promise<WhyNoJob> => this.request('GET', `/api/v1/agents/${encodeURIComponent(agentId)}/why`, WhyNoJobSchema),
  };

  models = {
    list: (): Promise<BaseModel[]> => this.request('GET', '/api/v1/models', z.array(BaseModelSchema)),
  };

  credits = {
    /** A leaderboard page; `me` is the caller's own row when signed in. */
    board: (query: { window?: BoardWindow; kind?: BoardKind; scope?: BoardScope; search?: string; limit?: number; cursor?: string } = {}): Promise<BoardPage> => this.request('GET', `/api/v1/boards${toQuery(query)}`, BoardPageSchema),
    /** A contributor's public page (by handle or user id); pending credit only for the contributor themself. */
    profile: (handleOrId: string): Promise<ContributorProfile> =>
      this.request('GET', `/api/v1/contributors/${encodeURIComponent(handleOrId)}`, ContributorProfileSchema),
    /** The coordinator's receipt-signing public key (the one signing now). */
    publicKey: (): Promise<PublicKey> => this.request('GET', '/api/v1/credits/public-key', PublicKeySchema),
    /** Every receipt-signing key, current and retired by rotations (receipts name theirs in `keyId`). */
    publicKeys: (): Promise<PublicKeySet> => this.request('GET', '/api/v1/credits/public-keys', PublicKeySetSchema),
  };

  receipts = {
    /** The caller's receipts, newest first (optionally of one job or one of their agents). */
    list: (query: { limit?: number; cursor?: string; jobId?: string; agentId?: string } = {}): Promise<Page<Receipt>> =>
      this.request('GET', `/api/v1/receipts${toQuery(query)}`, pageOf(ReceiptSchema)),
    get: (id: string): Promise<Receipt> => this.request('GET', `/api/v1/receipts/${encodeURIComponent(id)}`, ReceiptSchema),
    /** Asks the coordinator to check a receipt (scripts/verify-receipt.mjs does the same offline). */
    verify: (receipt: Receipt): Promise<ReceiptVerification> => this.request('POST', '/api/v1/receipts/verify', ReceiptVerificationSchema, receipt),
  };

  teams = {
    create: (body: CreateTeamInput): Promise<TeamDetail> => this.request('POST', '/api/v1/teams', TeamDetailSchema, body),
    list: (query: { search?: string; limit?: number; cursor?: string } = {}): Promise<Page<TeamView>> =>
      this.request('GET', `/api/v1/teams${toQuery(query)}`, pageOf(TeamViewSchema)),
    get: (slugOrId: string): Promise<TeamDetail> => this.request('GET', `/api/v1/teams/${encodeURIComponent(slugOrId)}`, TeamDetailSchema),
    /** Joins the team (leaving the caller's current team first). */
    join: (slugOrId: string): Promise<TeamMembershipView> =>
      this.request('POST', `/api/v1/teams/${encodeURIComponent(slugOrId)}/join`, TeamMembershipViewSchema, {}),
    /** Leaves the caller's current team. */
    leave: (): Promise<TeamMembershipView> => this.request('POST', '/api/v1/teams/leave', TeamMembershipViewSchema, {}),
    /** The caller's membership history, newest first. */
    history: (): Promise<TeamMembershipView[]> => this.request('GET', '/api/v1/me/teams', z.array(TeamMembershipViewSchema)),
  };

  stats = {
    days: (): Promise<StatsExportIndex> => this.request('GET', '/api/v1/stats/export', StatsExportIndexSchema),
    /** The daily snapshot of `day` (YYYY-MM-DD), parsed line by line. */
    export: async (day: string): Promise<{ header: StatsExportHeader; rows: StatsExportRow[] }> => {
      const response = await this.fetchImpl(`${this.baseUrl}/api/v1/stats/export/${encodeURIComponent(day)}`);
      const text = await response.text();
      if (!response.ok) throw PotluckApiError.from(response.status, text);
      const [first, ...rest] = text.split('\n').filter((line) => line.length > 0);
      return { header: StatsExportHeaderSchema.parse(JSON.parse(first ?? 'null')), rows: rest.map((line) => StatsExportRowSchema.parse(JSON.parse(line))) };
    },
  };

  audit = {
    list: (query: { limit?: number; cursor?: string } = {}): Promise<Page<AuditEntryView>> =>
      this.request('GET', `/api/v1/audit${toQuery(query)}`, pageOf(AuditEntryViewSchema)),
  };
}

function toQuery(query: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(query).filter((entry): entry is [string, string | number] => entry[1] !== undefined);
  return entries.length ? `?${new URLSearchParams(entries.map(([key, value]): [string, string] => [key, String(value)])).toString()}` : '';
}
