/**
 * A DNS server on 127.0.0.1 for the tests (dns2): it answers TXT questions from `records`, NXDOMAIN for
 * a name it does not hold, and SERVFAIL for every question while `failing` is set (a resolver that
 * cannot get an answer). Roster asks it through `DNS_SERVERS`.
 */
import dns2 from 'dns2';

export interface TestDnsServer {
  /** `host:port`, for `DNS_SERVERS`. */
  address: string;
  /** name (lowercase, no trailing dot) → its TXT values. */
  records: Map<string, string[]>;
  failing: boolean;
  close(): Promise<void>;
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const { Packet } = dns2;
  const state = { records: new Map<string, string[]>(), failing: false };
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = (question?.name ?? '').toLowerCase().replace(/\.$/, '');
      const values = state.records.get(name);
      if (state.failing) response.header.rcode = 2;
      else if (!values) response.header.rcode = 3;
      else if (question?.type === Packet.TYPE.TXT) {
        for (const data of values) {
          // dns2's types name its Resource class here; the record object is what its encoder takes.
          const record = { name: question.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 1, data };
          response.answers.push(record as never);
        }
      }
      void send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const port = addresses.udp?.port;
  if (!port) throw new Error('the test DNS server did not start');
  return {
    address: `127.0.0.1:${port}`,
    get records() {
      return state.records;
    },
    get failing() {
      return state.failing;
    },
    set failing(v: boolean) {
      state.failing = v;
    },
    close: () => server.close(),
  };
}
