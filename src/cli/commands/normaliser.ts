import { NORMALISERS } from '../../scim/quirks/index.ts';
import type { Command } from '../command.ts';
import { table } from '../output.ts';

const list: Command = {
  name: 'normaliser list',
  usage: 'scimd normaliser list',
  summary: 'List the IdP normalisers, the quirks they handle and the profiles they are on for',
  help: `Each normaliser rewrites one kind of non-RFC request from an identity provider into what the
RFC core understands. "all but strict" ones only rewrite requests the RFC core would refuse or
misread: they are on for the default profile (generic, what an unpinned client gets) and every IdP
profile. The others change what a valid request means, so they are on only for the profiles
listed. The strict profile (exact RFC 7644) has none. Per client:
scimd client set <tenant> <client> normaliser.<name> on|off|default`,
  options: [],
  async run(ctx) {
    const rows = NORMALISERS.map((n) => ({ name: n.name, quirks: n.quirks, profiles: n.profiles, summary: n.summary }));
    ctx.out.result(rows, () =>
      table(
        ['NAME', 'QUIRKS', 'ON FOR', 'WHAT IT DOES'],
        rows.map((r) => [r.name, r.quirks.join(','), r.profiles === 'all' ? 'all but strict' : r.profiles.join(','), r.summary]),
      ),
    );
    return 0;
  },
};

export const normaliserCommands: Command[] = [list];
