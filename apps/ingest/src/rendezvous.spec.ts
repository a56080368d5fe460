import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gatewayIdFor } from './gateway-registry';
import { assignGateway, type GatewayNode } from './rendezvous';

const node = (id: string): GatewayNode => ({ id, url: `http://${id}.example:4001` });
const urlNodes = (n: number) =>
  Array.from({ length: n }, (_, i) => {
    const url = `http://ingest-${i}.bathyscope.internal:4001`;
    return { id: gatewayIdFor(url), url };
  });

const gatewaySets = fc
  .uniqueArray(fc.string({ minLength: 1, maxLength: 24 }), { minLength: 1, maxLength: 12 })
  .map((ids) => ids.map(node));
const agentIds = fc.integer({ min: 1, max: 0xffffffff });

function counts(gateways: GatewayNode[], agents: number): Map<string, number> {
  const out = new Map(gateways.map((g) => [g.id, 0]));
  for (let a = 1; a <= agents; a++) {
    const g = assignGateway(a, gateways) as GatewayNode;
    out.set(g.id, (out.get(g.id) ?? 0) + 1);
  }
  return out;
}

describe('rendezvous assignment', () => {
  it('is null without gateways and the only gateway when there is one', () => {
    expect(assignGateway(1, [])).toBeNull();
    const only = node('a');
    expect(assignGateway(42, [only])).toBe(only);
  });

  it('does not depend on the order gateways are listed in (every process computes the same answer)', () => {
    fc.assert(
      fc.property(gatewaySets, agentIds, fc.integer(), (gateways, agent, seed) => {
        const shuffled = [...gateways].sort(
          (x, y) => ((x.id.length * 31 + seed) % 7) - ((y.id.length * 31 + seed) % 7),
        );
        expect(assignGateway(agent, shuffled)?.id).toBe(assignGateway(agent, gateways)?.id);
        expect(gateways.map((g) => g.id)).toContain(assignGateway(agent, gateways)?.id);
      }),
    );
  });

  it('moves only the leaving gateway’s agents when one leaves', () => {
    fc.assert(
      fc.property(
        gatewaySets.filter((g) => g.length >= 2),
        fc.nat(),
        fc.array(agentIds, { maxLength: 200 }),
        (gateways, pick, agents) => {
          const leaving = gateways[pick % gateways.length] as GatewayNode;
          const rest = gateways.filter((g) => g !== leaving);
          for (const agent of agents) {
            const before = assignGateway(agent, gateways) as GatewayNode;
            const after = assignGateway(agent, rest) as GatewayNode;
            if (before !== leaving) expect(after).toBe(before);
          }
        },
      ),
    );
  });

  it('moves agents only to the joining gateway when one joins', () => {
    fc.assert(
      fc.property(
        gatewaySets,
        fc.string({ minLength: 1 }),
        fc.array(agentIds, { maxLength: 200 }),
        (gateways, id, agents) => {
          fc.pre(!gateways.some((g) => g.id === id));
          const joining = node(id);
          for (const agent of agents) {
            const before = assignGateway(agent, gateways);
            const after = assignGateway(agent, [...gateways, joining]);
            if (after !== before) expect(after).toBe(joining);
          }
        },
      ),
    );
  });

  it('moves about 1/n of the agents when the n-th gateway joins, and balances them', () => {
    const agents = 20_000;
    for (const n of [2, 3, 5, 8, 16]) {
      const gateways = urlNodes(n);
      const before = gateways.slice(0, n - 1);
      let moved = 0;
      for (let a = 1; a <= agents; a++) {
        if (assignGateway(a, before)?.id !== assignGateway(a, gateways)?.id) moved++;
      }
      // Binomial(20000, 1/n): 5 % of all agents is more than 7 standard deviations for every n here.
      expect(Math.abs(moved / agents - 1 / n), `n=${n}`).toBeLessThan(0.05);
      const mean = agents / n;
      for (const [id, count] of counts(gateways, agents)) {
        expect(Math.abs(count - mean) / mean, `n=${n} ${id}`).toBeLessThan(0.15);
      }
    }
  });

  it('balances arbitrary gateway ids within tolerance', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 2, maxLength: 6 }), (ids) => {
        const gateways = ids.map(node);
        const agents = 12_000;
        const mean = agents / gateways.length;
        for (const count of counts(gateways, agents).values()) {
          expect(Math.abs(count - mean) / mean).toBeLessThan(0.2);
        }
      }),
      { numRuns: 25 },
    );
  });
});
