import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AGENT_CHECKIN_PATH,
  DEFAULT_AGENT_CONFIG,
  encodeFlowBatch,
  encodeL7RequestBatch,
  encodeProfileBatch,
  type FlowRow,
  INGEST_FLOWS_PATH,
  INGEST_PROFILES_PATH,
  ProfileEventType,
} from '@bathyscope/wire';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent } from '../kit/fixtures';
import { GraphQLSession, REQUESTS_QUERY } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';
import { linkToken, waitForMail } from '../kit/mailbox';

/**
 * Tenant isolation, driven by the committed SDL: every root field must be classified below, so a new resolver
 * fails this suite until its cross-tenant behaviour is tested. Tenant B's credentials act on tenant A's
 * objects and must get NOT_FOUND or FORBIDDEN or an answer that contains nothing of A.
 */
const stack = inject('stack');
const schema = buildSchema(fs.readFileSync(path.join(__dirname, '..', '..', 'apps', 'api', 'schema.graphql'), 'utf8'));

interface TenantA {
  slug: string;
  email: string;
  keyId: string;
  keyPrefix: string;
  invitationId: string;
  invitedEmail: string;
  memberId: string;
  marker: string;
  teamId: string;
  policyId: string;
  agentGroupId: string;
  agentId: number;
  enrollmentTokenId: string;
  enrollmentTokenPrefix: string;
  /** A request-id header name only A's group configuration contains. */
  configMarker: string;
  connectorId: string;
  /** One of A's inventory resources (its agent's host). */
  resourceId: number;
  /** Alerting objects of A (alerts.spec.ts / webhooks.spec.ts test their behaviour). */
  alertRuleId: string;
  silenceId: string;
  maintenanceWindowId: string;
  webhookDestinationId: string;
}

type Probe = (
  b: GraphQLSession,
  a: TenantA,
) => Promise<{ data: unknown; errors?: { extensions?: { code?: string } }[] }>;

const range = () => ({
  from: new Date(Date.now() - 3600_000).toISOString(),
  to: new Date(Date.now() + 60_000).toISOString(),
});

/** Read fields: B's answer must not contain any of A's identifying values. */
const reads: Record<string, Probe> = {
  me: (b) => b.request('{ me { email tenant { slug } } }'),
  requests: (b) => b.request(REQUESTS_QUERY, { timeRange: range(), page: { first: 500 } }),
  spans: (b) =>
    b.request(
      'query($t: TimeRangeInput!) { spans(timeRange: $t, page: { first: 500 }) { edges { node { traceId spanId name service } } } }',
      { t: range() },
    ),
  agents: (b) => b.request('{ agents { id name hostname } }'),
  apiKeys: (b) => b.request('{ apiKeys { edges { node { id prefix name createdBy } } } }'),
  auditLog: (b) => b.request('{ auditLog(page: { first: 200 }) { edges { node { actorLabel targetId after } } } }'),
  members: (b) => b.request('{ members { edges { node { userId email } } } }'),
  invitations: (b) => b.request('{ invitations { edges { node { id email } } } }'),
  myTenants: (b) => b.request('{ myTenants { slug name } }'),
  ssoConnection: (b) => b.request('{ ssoConnection { issuer clientId } }'),
  teams: (b) => b.request('{ teams { edges { node { id name members { userId email } } } } }'),
  policies: (b) => b.request('{ policies { edges { node { id name teams { id } conditions { values } } } } }'),
  agentGroups: (b) => b.request('{ agentGroups { id name agentCount } }'),
  authzCatalog: (b) => b.request('{ authzCatalog { actions resources { name } } }'),
  tenantSettings: (b) => b.request('{ tenantSettings { slug name plan retentionDays } }'),
  enrollmentTokens: (b) => b.request('{ enrollmentTokens { edges { node { id prefix name group { id name } } } } }'),
  agentConfigSchema: (b) => b.request('{ agentConfigSchema }'),
  ingestGateways: (b) => b.request('{ ingestGateways { id url healthy agentCount } }'),
  connectors: (b) => b.request('{ connectors { edges { node { id name config lastError } } } }'),
  alertMetrics: (b) => b.request('{ alertMetrics { name labels } }'),
  alertRules: (b) => b.request('{ alertRules { id name filters { value } destinationIds } }'),
  alertInstances: (b) => b.request('{ alertInstances { id ruleId labels { name value } } }'),
  alertHistory: (b) => b.request('{ alertHistory { ruleId labels { name value } } }'),
  silences: (b) => b.request('{ silences(includeExpired: true) { id comment matchers { value } } }'),
  maintenanceWindows: (b) => b.request('{ maintenanceWindows { id name } }'),
  webhookDestinations: (b) => b.request('{ webhookDestinations { id name url } }'),
  webhookDeliveries: (b) => b.request('{ webhookDeliveries { id destinationId payload } }'),
  protocolOverview: (b) =>
    b.request(
      'query($t: TimeRangeInput!) { protocolOverview(protocol: HTTP, timeRange: $t) { totals { requests } tables { rows { key } } } }',
      { t: range() },
    ),
  networkOverview: (b) =>
    b.request('query($t: TimeRangeInput!) { networkOverview(timeRange: $t, groupBy: HOST) { entities { id name } } }', {
      t: range(),
    }),
  forecastRunsOutFirst: (b) =>
    b.request('{ forecastRunsOutFirst(input: { metric: CPU_PERCENT, threshold: 0 }) { target history { value } } }'),
  serviceMap: (b) =>
    b.request(
      'query($t: TimeRangeInput!) { serviceMap(timeRange: $t, groupBy: POD) { nodes { id name namespace } edges { id source target } } }',
      { t: range() },
    ),
  inventory: (b) =>
    b.request(
      '{ inventory(filter: { includeDeleted: true }, page: { first: 200 }) { edges { node { id name externalId labels attributes } } } }',
    ),
  profile: (b) =>
    b.request('query($t: TimeRangeInput!) { profile(timeRange: $t) { total nodes { name } topFunctions { name } } }', {
      t: range(),
    }),
  profileDiff: (b) =>
    b.request('query($s: ProfileSelectionInput!) { profileDiff(base: $s, comparison: $s) { total nodes { name } } }', {
      s: { timeRange: range() },
    }),
  profileSources: (b) =>
    b.request('query($t: TimeRangeInput!) { profileSources(timeRange: $t) { services processes } }', { t: range() }),
  flows: (b) =>
    b.request(
      'query($t: TimeRangeInput!) { flows(timeRange: $t, page: { first: 500 }) { edges { node { flowId processName client { ip process } server { ip } } } } }',
      { t: range() },
    ),
};

/** A finished TCP flow of process `name` (the isolation marker). */
function isolationFlow(name: string): FlowRow {
  const endUs = Date.now() * 1000;
  return {
    startTimeUs: endUs - 1_000_000,
    endTimeUs: endUs,
    flowId: 4242,
    tapSide: 1,
    protocol: 6,
    closeType: 1,
    pid: 42,
    processName: name,
    clientIp: '10.42.0.1',
    clientPort: 42_000,
    serverIp: '10.42.0.2',
    serverPort: 42,
    bytesTx: 1,
    bytesRx: 1,
    packetsTx: 1,
    packetsRx: 1,
    retransTx: 0,
    retransRx: 0,
    zeroWinTx: 0,
    zeroWinRx: 0,
    rttUs: 1,
    connSetupUs: 1,
    newFlow: true,
  };
}

/** Mutations that address one of A's objects: B must get NOT_FOUND or FORBIDDEN. */
const writesById: Record<string, Probe> = {
  revokeApiKey: (b, a) => b.request(`mutation { revokeApiKey(id: "${a.keyId}") { id } }`),
  revokeInvitation: (b, a) => b.request(`mutation { revokeInvitation(id: "${a.invitationId}") { id } }`),
  changeMemberRole: (b, a) =>
    b.request(`mutation { changeMemberRole(input: { userId: "${a.memberId}", role: "viewer" }) { role } }`),
  removeMember: (b, a) => b.request(`mutation { removeMember(userId: "${a.memberId}") }`),
  switchTenant: (b, a) => b.request(`mutation { switchTenant(slug: "${a.slug}") { tenant { slug } } }`),
  policy: (b, a) => b.request(`{ policy(id: "${a.policyId}") { id name } }`),
  simulateAccess: (b, a) =>
    b.request(
      `{ simulateAccess(input: { userId: "${a.memberId}", action: "read", resource: "Request" }) { allowed } }`,
    ),
  updateTeam: (b, a) => b.request(`mutation { updateTeam(id: "${a.teamId}", input: { name: "stolen" }) { id } }`),
  deleteTeam: (b, a) => b.request(`mutation { deleteTeam(id: "${a.teamId}") }`),
  addTeamMember: (b, a) =>
    b.request(`mutation { addTeamMember(teamId: "${a.teamId}", userId: "${a.memberId}") { id } }`),
  removeTeamMember: (b, a) =>
    b.request(`mutation { removeTeamMember(teamId: "${a.teamId}", userId: "${a.memberId}") { id } }`),
  updatePolicy: (b, a) =>
    b.request(
      `mutation { updatePolicy(id: "${a.policyId}", input: { name: "stolen", effect: ALLOW, actions: ["read"], resources: ["Request"] }) { id } }`,
    ),
  deletePolicy: (b, a) => b.request(`mutation { deletePolicy(id: "${a.policyId}") }`),
  updateAgent: (b, a) => b.request(`mutation { updateAgent(id: ${a.agentId}, input: { labels: ["x=y"] }) { id } }`),
  deleteAgentGroup: (b, a) => b.request(`mutation { deleteAgentGroup(id: "${a.agentGroupId}") }`),
  revokeEnrollmentToken: (b, a) => b.request(`mutation { revokeEnrollmentToken(id: "${a.enrollmentTokenId}") { id } }`),
  revokeAgent: (b, a) => b.request(`mutation { revokeAgent(id: ${a.agentId}) { id } }`),
  agent: (b, a) => b.request(`{ agent(id: ${a.agentId}) { id name hostname } }`),
  deleteAgent: (b, a) => b.request(`mutation { deleteAgent(id: ${a.agentId}) }`),
  agentGroupConfig: (b, a) => b.request(`{ agentGroupConfig(groupId: "${a.agentGroupId}") { version config } }`),
  agentGroupConfigHistory: (b, a) =>
    b.request(`{ agentGroupConfigHistory(groupId: "${a.agentGroupId}") { edges { node { version config } } } }`),
  updateAgentGroupConfig: (b, a) =>
    b.request('mutation($g: ID!, $c: JSON!) { updateAgentGroupConfig(groupId: $g, config: $c) { version } }', {
      g: a.agentGroupId,
      c: { ...DEFAULT_AGENT_CONFIG, sampling: { l7Rate: 0 } },
    }),
  rollbackAgentGroupConfig: (b, a) =>
    b.request(`mutation { rollbackAgentGroupConfig(groupId: "${a.agentGroupId}", version: 0) { version } }`),
  connector: (b, a) => b.request(`{ connector(id: "${a.connectorId}") { id name } }`),
  updateConnector: (b, a) =>
    b.request(`mutation { updateConnector(id: "${a.connectorId}", input: { enabled: false }) { id } }`),
  deleteConnector: (b, a) => b.request(`mutation { deleteConnector(id: "${a.connectorId}") { id } }`),
  testConnector: (b, a) => b.request(`mutation { testConnector(id: "${a.connectorId}") { ok error } }`),
  runConnector: (b, a) => b.request(`mutation { runConnector(id: "${a.connectorId}") { id } }`),
  inventoryResource: (b, a) => b.request(`{ inventoryResource(id: ${a.resourceId}) { id name } }`),
  alertRule: (b, a) => b.request(`{ alertRule(id: "${a.alertRuleId}") { id name } }`),
  updateAlertRule: (b, a) =>
    b.request(
      `mutation { updateAlertRule(id: "${a.alertRuleId}", input: { name: "stolen", metric: "request_rate", operator: ">", threshold: 1 }) { id } }`,
    ),
  deleteAlertRule: (b, a) => b.request(`mutation { deleteAlertRule(id: "${a.alertRuleId}") }`),
  expireSilence: (b, a) => b.request(`mutation { expireSilence(id: "${a.silenceId}") { id } }`),
  deleteMaintenanceWindow: (b, a) => b.request(`mutation { deleteMaintenanceWindow(id: "${a.maintenanceWindowId}") }`),
  webhookDestination: (b, a) => b.request(`{ webhookDestination(id: "${a.webhookDestinationId}") { id url } }`),
  updateWebhookDestination: (b, a) =>
    b.request(
      `mutation { updateWebhookDestination(id: "${a.webhookDestinationId}", input: { enabled: false }) { id } }`,
    ),
  deleteWebhookDestination: (b, a) =>
    b.request(`mutation { deleteWebhookDestination(id: "${a.webhookDestinationId}") }`),
  rotateWebhookSecret: (b, a) =>
    b.request(`mutation { rotateWebhookSecret(id: "${a.webhookDestinationId}") { secret } }`),
  sendTestNotification: (b, a) =>
    b.request(`mutation { sendTestNotification(destinationId: "${a.webhookDestinationId}") { id } }`),
  forecast: (b, a) =>
    b.request(
      `{ forecast(input: { source: HOST, target: "${a.slug}-agent", metric: CPU_PERCENT }) { target status } }`,
    ),
  serviceDetail: (b, a) =>
    b.request(`query($t: TimeRangeInput!) { serviceDetail(serviceId: ${a.resourceId}, timeRange: $t) { name } }`, {
      t: range(),
    }),
  trace: (b, a) =>
    b.request('query($f: TraceStartInput!) { trace(from: $f) { spans { call } } }', { f: { xRequestId: a.marker } }),
  endpointDetail: (b, a) =>
    b.request(
      `query($t: TimeRangeInput!) { endpointDetail(serviceId: ${a.resourceId}, endpoint: "/", timeRange: $t) { service } }`,
      { t: range() },
    ),
};

/** Own-tenant writes that name one of A's objects inside the input: refused as unknown, never linked. */
const crossReferences: Record<string, Probe> = {
  'addTeamMember (own team, A member)': async (b, a) => {
    const own = await b.request<{ createTeam: { id: string } }>(
      `mutation { createTeam(input: { name: "b-${randomBytes(3).toString('hex')}" }) { id } }`,
    );
    return b.request(
      `mutation { addTeamMember(teamId: "${own.data?.createTeam.id}", userId: "${a.memberId}") { id } }`,
    );
  },
  "createPolicy (A's team)": (b, a) =>
    b.request(
      `mutation { createPolicy(input: { name: "b-x", effect: DENY, actions: ["read"], resources: ["Request"], teamIds: ["${a.teamId}"] }) { id } }`,
    ),
  "createApiKey (A's policy)": (b, a) =>
    b.request(`mutation { createApiKey(input: { name: "b", role: "viewer", policyId: "${a.policyId}" }) { secret } }`),
  "createEnrollmentToken (A's group)": (b, a) =>
    b.request(
      `mutation { createEnrollmentToken(input: { name: "b", groupId: "${a.agentGroupId}", expiresAt: "${new Date(Date.now() + 3600_000).toISOString()}" }) { token } }`,
    ),
  "createAlertRule (A's webhook destination)": (b, a) =>
    b.request(
      `mutation { createAlertRule(input: { name: "b-rule", metric: "request_rate", operator: ">", threshold: 1, destinationIds: ["${a.webhookDestinationId}"] }) { id } }`,
    ),
  "updateAgent (A's group)": async (b, a) => {
    const agents = await b.request<{ agents: { id: number }[] }>('{ agents { id } }');
    return b.request(
      `mutation { updateAgent(id: ${agents.data?.agents[0]?.id}, input: { groupId: "${a.agentGroupId}" }) { id } }`,
    );
  },
};

/** Mutations that create in the caller's own tenant: checked to leave A untouched. */
const writesInOwnTenant: Record<string, Probe> = {
  createApiKey: (b) =>
    b.request('mutation { createApiKey(input: { name: "b-key", role: "viewer" }) { apiKey { id } } }'),
  inviteMember: (b) =>
    b.request(
      `mutation { inviteMember(input: { email: "b-${randomBytes(3).toString('hex')}@example.test", role: "viewer" }) { id } }`,
    ),
  createTeam: (b) =>
    b.request(`mutation { createTeam(input: { name: "b-${randomBytes(3).toString('hex')}" }) { id } }`),
  createPolicy: (b) =>
    b.request(
      `mutation { createPolicy(input: { name: "b-${randomBytes(3).toString('hex')}", effect: DENY, actions: ["read"], resources: ["Request"] }) { id } }`,
    ),
  createAgentGroup: (b) =>
    b.request(`mutation { createAgentGroup(input: { name: "b-${randomBytes(3).toString('hex')}" }) { id } }`),
  createEnrollmentToken: (b) =>
    b.request(
      `mutation { createEnrollmentToken(input: { name: "b-token", expiresAt: "${new Date(Date.now() + 3600_000).toISOString()}" }) { token } }`,
    ),
  createConnector: (b) =>
    b.request(
      `mutation { createConnector(input: { kind: "k8s", name: "b-${randomBytes(3).toString('hex')}", enabled: false, config: { server: "http://127.0.0.1:9", insecureSkipTlsVerify: true } }) { id } }`,
    ),
  createAlertRule: (b) =>
    b.request(
      `mutation { createAlertRule(input: { name: "b-${randomBytes(3).toString('hex')}", metric: "request_rate", operator: ">", threshold: 1, enabled: false }) { id } }`,
    ),
  createSilence: (b) =>
    b.request(
      `mutation { createSilence(input: { matchers: [{ label: "a", op: "=", value: "b" }], endsAt: "${new Date(Date.now() + 3600_000).toISOString()}" }) { id } }`,
    ),
  createMaintenanceWindow: (b) =>
    b.request(
      `mutation { createMaintenanceWindow(input: { name: "b-mw", startsAt: "${new Date().toISOString()}", endsAt: "${new Date(Date.now() + 3600_000).toISOString()}" }) { id } }`,
    ),
  createWebhookDestination: (b) =>
    b.request(
      `mutation { createWebhookDestination(input: { name: "b-${randomBytes(3).toString('hex')}", url: "http://127.0.0.1:9/b" }) { secret } }`,
    ),
};

/** Tenant settings: whatever B does to its own settings, A's stay as they were (checked in the last test). */
const settingsWrites: Record<string, Probe> = {
  updateTenantSettings: (b) => b.request('mutation { updateTenantSettings(input: { retentionDays: 2 }) { slug } }'),
  configureSso: (b) =>
    b.request(
      'mutation { configureSso(input: { issuer: "http://127.0.0.1:9/", clientId: "b", clientSecret: "s", defaultRole: "viewer" }) { issuer } }',
    ),
};

/** Not tenant-addressed: credentials or one-time tokens decide (covered by identity.spec.ts and members.spec.ts). */
const byCredential = new Set([
  'login',
  'logout',
  'signUp',
  'acceptInvitation',
  'requestPasswordReset',
  'resetPassword',
]);

describe('tenant isolation (generated from the schema)', () => {
  let a: TenantA;
  let sessionA: GraphQLSession;
  let sessionB: GraphQLSession;

  beforeAll(async () => {
    const ta = await createTenantWithAgent('iso-schema-a');
    const tb = await createTenantWithAgent('iso-schema-b');
    sessionA = new GraphQLSession(stack.apiUrl);
    await sessionA.login(ta.email, ta.password);
    sessionB = new GraphQLSession(stack.apiUrl);
    await sessionB.login(tb.email, tb.password);

    const marker = `/iso-marker-${randomBytes(4).toString('hex')}`;
    const ingest = await fetch(`${stack.ingestUrl}/v1/l7`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${ta.agent.token}` },
      body: new Uint8Array(
        encodeL7RequestBatch({ stream: 'l7', seq: 1, rows: [wireRow(marker, { xRequestId: marker })] }),
      ),
    });
    expect(ingest.status).toBe(200);
    // A profile stack and a flow whose process is named by the marker: profile/flows must not show them to B.
    for (const [path, body] of [
      [
        INGEST_PROFILES_PATH,
        encodeProfileBatch({
          stream: 'cpu',
          seq: 1,
          startTimeUs: Date.now() * 1000,
          durationMs: 10_000,
          dropped: 0,
          eventType: ProfileEventType.Cpu,
          stacks: [{ frames: [marker] }],
          samples: [{ pid: 42, tid: 42, processName: marker, stackIndex: 0, value: 3 }],
        }),
      ],
      [INGEST_FLOWS_PATH, encodeFlowBatch({ stream: 'flows', seq: 1, rows: [isolationFlow(marker)] })],
    ] as const) {
      const res = await fetch(`${stack.ingestUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${ta.agent.token}` },
        body: new Uint8Array(body),
      });
      expect(res.status).toBe(200);
    }
    const key = await sessionA.request<{ createApiKey: { apiKey: { id: string; prefix: string } } }>(
      'mutation { createApiKey(input: { name: "a-key", role: "viewer" }) { apiKey { id prefix } } }',
    );
    const invitedEmail = `a-inv-${randomBytes(4).toString('hex')}@example.test`;
    const inv = await sessionA.request<{ inviteMember: { id: string } }>(
      `mutation { inviteMember(input: { email: "${invitedEmail}", role: "viewer" }) { id } }`,
    );
    const memberEmail = `a-member-${randomBytes(4).toString('hex')}@example.test`;
    await sessionA.request(`mutation { inviteMember(input: { email: "${memberEmail}", role: "editor" }) { id } }`);
    const token = linkToken(await waitForMail(stack.mailboxDir, memberEmail, 'invited'), 'invite');
    await new GraphQLSession(stack.apiUrl).request(
      'mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { email } }',
      { i: { token, password: `pw-${randomBytes(8).toString('hex')}` } },
    );
    const members = await sessionA.request<{ members: { edges: { node: { userId: string; email: string } }[] } }>(
      '{ members { edges { node { userId email } } } }',
    );
    const memberId = members.data?.members.edges.find((e) => e.node.email === memberEmail)?.node.userId as string;
    const team = await sessionA.request<{ createTeam: { id: string } }>(
      'mutation { createTeam(input: { name: "a-team" }) { id } }',
    );
    const teamId = team.data?.createTeam.id as string;
    await sessionA.request(`mutation { addTeamMember(teamId: "${teamId}", userId: "${memberId}") { id } }`);
    const policy = await sessionA.request<{ createPolicy: { id: string } }>(
      `mutation { createPolicy(input: { name: "a-policy", effect: DENY, actions: ["read"], resources: ["Request"], teamIds: ["${teamId}"], conditions: [{ attribute: "namespace", operator: "notIn", values: ["${marker}"] }] }) { id } }`,
    );
    const group = await sessionA.request<{ createAgentGroup: { id: string } }>(
      'mutation { createAgentGroup(input: { name: "a-group" }) { id } }',
    );
    await sessionA.request(
      `mutation { updateAgent(id: ${ta.agent.agentId}, input: { groupId: "${group.data?.createAgentGroup.id}" }) { id } }`,
    );
    const enrollmentToken = await sessionA.request<{
      createEnrollmentToken: { enrollmentToken: { id: string; prefix: string } };
    }>(
      `mutation($g: ID) { createEnrollmentToken(input: { name: "a-token", groupId: $g, expiresAt: "${new Date(Date.now() + 86_400_000).toISOString()}" }) { enrollmentToken { id prefix } } }`,
      { g: group.data?.createAgentGroup.id },
    );
    const configMarker = `x-iso-${randomBytes(4).toString('hex')}`;
    const configured = await sessionA.request<{ updateAgentGroupConfig: { version: number } }>(
      'mutation($g: ID!, $c: JSON!) { updateAgentGroupConfig(groupId: $g, config: $c) { version } }',
      { g: group.data?.createAgentGroup.id, c: { ...DEFAULT_AGENT_CONFIG, requestIdHeaders: [configMarker] } },
    );
    expect(configured.data?.updateAgentGroupConfig.version).toBe(1);
    // A disabled connector (nothing to reach) and A's agent host in the inventory.
    const connector = await sessionA.request<{ createConnector: { id: string } }>(
      'mutation { createConnector(input: { kind: "k8s", name: "a-connector", enabled: false, config: { server: "http://127.0.0.1:9", insecureSkipTlsVerify: true }, credentials: { token: "a-connector-token" } }) { id } }',
    );
    const inventory = await sessionA.request<{ inventory: { edges: { node: { id: number } }[] } }>(
      '{ inventory { edges { node { id } } } }',
    );
    const destination = await sessionA.request<{ createWebhookDestination: { destination: { id: string } } }>(
      `mutation { createWebhookDestination(input: { name: "a-hook", url: "http://127.0.0.1:9/${marker}" }) { destination { id } } }`,
    );
    const alertRule = await sessionA.request<{ createAlertRule: { id: string } }>(
      `mutation($d: [ID!]!) { createAlertRule(input: { name: "a-rule", metric: "request_rate", operator: ">", threshold: 1, filters: [{ label: "endpoint", op: "=", value: "${marker}" }], destinationIds: $d, enabled: false }) { id } }`,
      { d: [destination.data?.createWebhookDestination.destination.id] },
    );
    const silence = await sessionA.request<{ createSilence: { id: string } }>(
      `mutation { createSilence(input: { matchers: [{ label: "endpoint", op: "=", value: "${marker}" }], endsAt: "${new Date(Date.now() + 86_400_000).toISOString()}", comment: "a-silence" }) { id } }`,
    );
    const maintenance = await sessionA.request<{ createMaintenanceWindow: { id: string } }>(
      `mutation { createMaintenanceWindow(input: { name: "a-maintenance", recurrence: "daily", startsAt: "${new Date().toISOString()}", durationMinutes: 30 }) { id } }`,
    );
    a = {
      slug: ta.slug,
      email: ta.email,
      keyId: key.data?.createApiKey.apiKey.id as string,
      keyPrefix: key.data?.createApiKey.apiKey.prefix as string,
      invitationId: inv.data?.inviteMember.id as string,
      invitedEmail,
      memberId,
      marker,
      teamId,
      policyId: policy.data?.createPolicy.id as string,
      agentGroupId: group.data?.createAgentGroup.id as string,
      agentId: ta.agent.agentId,
      enrollmentTokenId: enrollmentToken.data?.createEnrollmentToken.enrollmentToken.id as string,
      enrollmentTokenPrefix: enrollmentToken.data?.createEnrollmentToken.enrollmentToken.prefix as string,
      configMarker,
      connectorId: connector.data?.createConnector.id as string,
      resourceId: inventory.data?.inventory.edges[0]?.node.id as number,
      alertRuleId: alertRule.data?.createAlertRule.id as string,
      silenceId: silence.data?.createSilence.id as string,
      maintenanceWindowId: maintenance.data?.createMaintenanceWindow.id as string,
      webhookDestinationId: destination.data?.createWebhookDestination.destination.id as string,
    };
    expect(Object.values(a).every(Boolean)).toBe(true);
  });

  it('classifies every root field of the schema', () => {
    const roots = [schema.getQueryType(), schema.getMutationType()] as GraphQLObjectType[];
    const unclassified = roots
      .flatMap((t) => Object.keys(t.getFields()))
      .filter(
        (f) => !(f in reads || f in writesById || f in writesInOwnTenant || f in settingsWrites || byCredential.has(f)),
      );
    expect(unclassified, 'add each new resolver to this suite').toEqual([]);
  });

  it.each(Object.keys(reads))("%s returns nothing of another tenant's", async (field) => {
    const r = await reads[field]!(sessionB, a);
    const text = JSON.stringify(r);
    for (const secret of [
      a.slug,
      a.email,
      a.keyId,
      a.keyPrefix,
      a.invitationId,
      a.invitedEmail,
      a.memberId,
      a.marker,
      a.teamId,
      a.policyId,
      a.agentGroupId,
      a.enrollmentTokenId,
      a.enrollmentTokenPrefix,
      a.configMarker,
      a.connectorId,
      a.alertRuleId,
      a.silenceId,
      a.maintenanceWindowId,
      a.webhookDestinationId,
      'a-rule',
      'a-silence',
      'a-maintenance',
      'a-hook',
      'a-connector',
      'a-token',
      'a-team',
      'a-policy',
      'a-group',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it.each(Object.keys(writesById))("%s on another tenant's object is NOT_FOUND or FORBIDDEN", async (field) => {
    const r = await writesById[field]!(sessionB, a);
    expect(r.data).toBeNull();
    expect(['NOT_FOUND', 'FORBIDDEN']).toContain(r.errors?.[0]?.extensions?.code);
  });

  it.each(Object.keys(crossReferences))("%s is refused and links nothing of A's", async (field) => {
    const r = await crossReferences[field]!(sessionB, a);
    expect(['NOT_FOUND', 'BAD_USER_INPUT', 'FORBIDDEN']).toContain(r.errors?.[0]?.extensions?.code);
  });

  it.each(Object.keys(writesInOwnTenant))('%s creates only in the caller’s tenant', async (field) => {
    const before =
      JSON.stringify(await reads.apiKeys!(sessionA, a)) + JSON.stringify(await reads.invitations!(sessionA, a));
    const r = await writesInOwnTenant[field]!(sessionB, a);
    expect(r.errors).toBeUndefined();
    const after =
      JSON.stringify(await reads.apiKeys!(sessionA, a)) + JSON.stringify(await reads.invitations!(sessionA, a));
    expect(after).toBe(before);
  });

  it("leaves tenant A's objects as they were", async () => {
    for (const probe of Object.values(settingsWrites)) await probe(sessionB, a);
    const settings = await sessionA.request<{ tenantSettings: { slug: string; retentionDays: number } }>(
      '{ tenantSettings { slug retentionDays } }',
    );
    expect(settings.data?.tenantSettings).toEqual({ slug: a.slug, retentionDays: 7 });
    const sso = await sessionA.request<{ ssoConnection: unknown }>('{ ssoConnection { issuer } }');
    expect(sso.data?.ssoConnection).toBeNull();
    const keys = await sessionA.request<{ apiKeys: { edges: { node: { id: string; revokedAt: string | null } }[] } }>(
      '{ apiKeys { edges { node { id revokedAt } } } }',
    );
    expect(keys.data?.apiKeys.edges.find((e) => e.node.id === a.keyId)?.node.revokedAt).toBeNull();
    const members = await sessionA.request<{ members: { edges: { node: { userId: string; role: string } }[] } }>(
      '{ members { edges { node { userId role } } } }',
    );
    expect(members.data?.members.edges.find((e) => e.node.userId === a.memberId)?.node.role).toBe('editor');
    const teams = await sessionA.request<{
      teams: { edges: { node: { id: string; name: string; members: unknown[] } }[] };
    }>('{ teams { edges { node { id name members { userId } } } } }');
    expect(teams.data?.teams.edges.map((e) => [e.node.name, e.node.members.length])).toEqual([['a-team', 1]]);
    const policy = await sessionA.request<{ policy: { name: string } }>(`{ policy(id: "${a.policyId}") { name } }`);
    expect(policy.data?.policy.name).toBe('a-policy');
    const agents = await sessionA.request<{ agents: { id: number; group: { id: string } | null; labels: string[] }[] }>(
      '{ agents { id group { id } labels } }',
    );
    expect(agents.data?.agents.find((x) => x.id === a.agentId)).toMatchObject({
      group: { id: a.agentGroupId },
      labels: [],
    });
    const tokens = await sessionA.request<{
      enrollmentTokens: { edges: { node: { id: string; status: string; group: { id: string } | null } }[] };
    }>('{ enrollmentTokens { edges { node { id status group { id } } } } }');
    expect(tokens.data?.enrollmentTokens.edges.map((e) => e.node)).toEqual([
      { id: a.enrollmentTokenId, status: 'ACTIVE', group: { id: a.agentGroupId } },
    ]);
    const config = await sessionA.request<{
      agentGroupConfig: { version: number; config: { requestIdHeaders: string[] } };
      agent: { id: number; revokedAt: string | null };
    }>(
      `{ agentGroupConfig(groupId: "${a.agentGroupId}") { version config } agent(id: ${a.agentId}) { id revokedAt } }`,
    );
    expect(config.data?.agentGroupConfig).toMatchObject({ version: 1, config: { requestIdHeaders: [a.configMarker] } });
    expect(config.data?.agent).toEqual({ id: a.agentId, revokedAt: null });
  });

  it("never hands B's agents A's configuration at check-in", async () => {
    const tb = await createTenantWithAgent('iso-checkin-b');
    const res = await fetch(`${stack.ingestUrl}${AGENT_CHECKIN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tb.agent.token}` },
      body: JSON.stringify({
        version: '0.2.0',
        hostname: 'b',
        state: 'running',
        configVersion: 1,
        configError: null,
        capabilities: { ok: true, kernel: 'k', btf: true, tracefs: true, programs: [], problems: [] },
        resources: { cpuPercent: 0, rssBytes: 0 },
        counters: {},
      }),
    });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body).not.toContain(a.configMarker);
    expect(JSON.parse(body).configVersion).toBe(0);
  });
});
