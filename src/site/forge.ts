/**
 * Where the archive's repository is browsable on the web, so the site can link a
 * commit and a zone file's blame and history. Known from `GITHUB_REPOSITORY`
 * (with `GITHUB_SERVER_URL`) in a workflow, else from the `origin` remote when it
 * is on GitHub. Both are untrusted: anything that does not read as a GitHub
 * repository gives no links rather than wrong ones.
 */
import type { SimpleGit } from 'simple-git';

export interface Forge {
  /** `https://github.com/owner/repo` */
  url: string;
  owner: string;
  repo: string;
}

const PART = /^[A-Za-z0-9_.-]{1,100}$/;

function forgeOf(server: string, owner: string, repo: string): Forge | undefined {
  repo = repo.replace(/\.git$/, '');
  if (!PART.test(owner) || !PART.test(repo) || owner.startsWith('.') || repo === '.' || repo === '..') return undefined;
  return { url: `${server}/${owner}/${repo}`, owner, repo };
}

/** A GitHub server URL: https, a host name, no path, query or credentials. */
function serverUrl(text: string | undefined): string | undefined {
  if (!text) return 'https://github.com';
  try {
    const u = new URL(text);
    if (u.protocol !== 'https:' || u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== '')) return undefined;
    return `https://${u.host}`;
  } catch {
    return undefined;
  }
}

/** The forge named by a remote URL on github.com (https, ssh or scp-like form). */
export function forgeFromRemote(remote: string): Forge | undefined {
  const r = remote.trim();
  const scp = /^(?:[A-Za-z0-9_.-]+@)?github\.com:([^/]+)\/([^/]+?)\/?$/.exec(r);
  if (scp) return forgeOf('https://github.com', scp[1]!, scp[2]!);
  try {
    const u = new URL(r);
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(u.protocol) || u.hostname !== 'github.com') return undefined;
    const parts = u.pathname.split('/').filter(Boolean);
    return parts.length === 2 ? forgeOf('https://github.com', parts[0]!, parts[1]!) : undefined;
  } catch {
    return undefined;
  }
}

/** The forge from the environment, else from the `origin` remote; undefined when neither says. */
export async function findForge(g: SimpleGit, env: Record<string, string | undefined>): Promise<Forge | undefined> {
  const named = env.GITHUB_REPOSITORY;
  if (named) {
    const server = serverUrl(env.GITHUB_SERVER_URL);
    const [owner, repo, more] = named.split('/');
    return server && owner && repo && more === undefined ? forgeOf(server, owner, repo) : undefined;
  }
  const remote = await g.raw(['config', '--get', 'remote.origin.url']).catch(() => '');
  return remote ? forgeFromRemote(remote) : undefined;
}

/** The GitHub Pages address of the forge's repository, for absolute links in feeds. */
export function pagesUrl(f: Forge): string | undefined {
  if (f.url !== `https://github.com/${f.owner}/${f.repo}`) return undefined;
  const host = `${f.owner.toLowerCase()}.github.io`;
  return f.repo.toLowerCase() === host ? `https://${host}/` : `https://${host}/${f.repo}/`;
}

const seg = (p: string) => p.split('/').map(encodeURIComponent).join('/');

export const forgeLinks = {
  commit: (f: Forge, commit: string) => `${f.url}/commit/${commit}`,
  blame: (f: Forge, commit: string, path: string) => `${f.url}/blame/${commit}/${seg(path)}`,
  history: (f: Forge, commit: string, path: string) => `${f.url}/commits/${commit}/${seg(path)}`,
};
