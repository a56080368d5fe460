import { Ajv, type ErrorObject, type JSONSchemaType, type ValidateFunction } from 'ajv';

/**
 * The parts of NetBox's REST answers (3.x and 4.x) the connector reads, as JSON Schemas compiled once with Ajv
 * (the repo's JSON validator). Everything not listed is ignored, so NetBox adding fields never breaks a sync, while
 * a field we rely on having the wrong type makes the page `malformed` with a JSON-pointer path.
 */

export interface NetBoxRef {
  id: number;
  name?: string | null;
  display?: string;
  slug?: string;
}

export interface NetBoxTag {
  slug: string;
  name?: string;
}

export interface NetBoxTagged {
  tags?: NetBoxTag[];
  custom_fields?: Record<string, unknown> | null;
}

export interface NetBoxHostObject extends NetBoxTagged {
  id: number;
  name?: string | null;
  display?: string;
  status?: { value: string } | null;
  site?: NetBoxRef | null;
  cluster?: NetBoxRef | null;
  role?: NetBoxRef | null;
  device_role?: NetBoxRef | null;
  tenant?: NetBoxRef | null;
  platform?: NetBoxRef | null;
  device_type?: { id: number; model?: string; manufacturer?: NetBoxRef | null } | null;
  serial?: string;
  primary_ip4?: { id: number; address: string } | null;
  primary_ip6?: { id: number; address: string } | null;
  vcpus?: number | null;
  memory?: number | null;
}

export interface NetBoxIpAddress extends NetBoxTagged {
  id: number;
  address: string;
  status?: { value: string } | null;
  dns_name?: string;
  assigned_object_type?: string | null;
  assigned_object_id?: number | null;
  assigned_object?: {
    id: number;
    name?: string;
    device?: NetBoxRef | null;
    virtual_machine?: NetBoxRef | null;
  } | null;
}

export interface NetBoxService extends NetBoxTagged {
  id: number;
  name: string;
  protocol?: { value: string } | null;
  ports: number[];
  description?: string;
  /** NetBox < 4.3: the service's host. */
  device?: NetBoxRef | null;
  virtual_machine?: NetBoxRef | null;
  /** NetBox ≥ 4.3: a generic parent (device, virtual machine or FHRP group). */
  parent_object_type?: string | null;
  parent_object_id?: number | null;
  ipaddresses?: { id: number; address: string }[];
}

export interface NetBoxPage<T> {
  count?: number;
  next?: string | null;
  results: T[];
}

const ref = {
  type: 'object',
  required: ['id'],
  properties: {
    id: { type: 'integer' },
    name: { type: ['string', 'null'] },
    display: { type: 'string' },
    slug: { type: 'string' },
  },
} as const;
const nullableRef = { ...ref, type: ['object', 'null'] } as const;
const choice = { type: ['object', 'null'], required: ['value'], properties: { value: { type: 'string' } } } as const;
const ipRef = {
  type: ['object', 'null'],
  required: ['id', 'address'],
  properties: { id: { type: 'integer' }, address: { type: 'string' } },
} as const;
const tagged = {
  tags: {
    type: 'array',
    items: { type: 'object', required: ['slug'], properties: { slug: { type: 'string' }, name: { type: 'string' } } },
  },
  custom_fields: { type: ['object', 'null'] },
} as const;

const hostSchema = {
  type: 'object',
  required: ['id'],
  properties: {
    id: { type: 'integer' },
    name: { type: ['string', 'null'] },
    display: { type: 'string' },
    status: choice,
    site: nullableRef,
    cluster: nullableRef,
    role: nullableRef,
    device_role: nullableRef,
    tenant: nullableRef,
    platform: nullableRef,
    device_type: {
      type: ['object', 'null'],
      required: ['id'],
      properties: { id: { type: 'integer' }, model: { type: 'string' }, manufacturer: nullableRef },
    },
    serial: { type: 'string' },
    primary_ip4: ipRef,
    primary_ip6: ipRef,
    vcpus: { type: ['number', 'null'] },
    memory: { type: ['integer', 'null'] },
    ...tagged,
  },
} as const;

const ipAddressSchema = {
  type: 'object',
  required: ['id', 'address'],
  properties: {
    id: { type: 'integer' },
    address: { type: 'string' },
    status: choice,
    dns_name: { type: 'string' },
    assigned_object_type: { type: ['string', 'null'] },
    assigned_object_id: { type: ['integer', 'null'] },
    assigned_object: {
      type: ['object', 'null'],
      required: ['id'],
      properties: {
        id: { type: 'integer' },
        name: { type: 'string' },
        device: nullableRef,
        virtual_machine: nullableRef,
      },
    },
    ...tagged,
  },
} as const;

const serviceSchema = {
  type: 'object',
  required: ['id', 'name', 'ports'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    protocol: choice,
    ports: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 65535 } },
    description: { type: 'string' },
    device: nullableRef,
    virtual_machine: nullableRef,
    parent_object_type: { type: ['string', 'null'] },
    parent_object_id: { type: ['integer', 'null'] },
    ipaddresses: { type: 'array', items: { ...ipRef, type: 'object' } },
    ...tagged,
  },
} as const;

const pageOf = (items: object) => ({
  type: 'object',
  required: ['results'],
  properties: {
    count: { type: 'integer', minimum: 0 },
    next: { type: ['string', 'null'] },
    results: { type: 'array', items },
  },
});

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, coerceTypes: false, useDefaults: false });

// The schemas are plain JSON Schema; the casts name the TypeScript shape each one guarantees.
export const validateHostPage = ajv.compile(
  pageOf(hostSchema) as unknown as JSONSchemaType<NetBoxPage<NetBoxHostObject>>,
);
export const validateIpAddressPage = ajv.compile(
  pageOf(ipAddressSchema) as unknown as JSONSchemaType<NetBoxPage<NetBoxIpAddress>>,
);
export const validateServicePage = ajv.compile(
  pageOf(serviceSchema) as unknown as JSONSchemaType<NetBoxPage<NetBoxService>>,
);

export type PageValidator<T> = ValidateFunction<NetBoxPage<T>>;

/** `/results/3/site/id must be integer`: where the answer is wrong, for the connector's status. */
export function describeSchemaError(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'unexpected shape';
  return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`;
}
