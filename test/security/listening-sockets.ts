import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A TCP socket of this process in the LISTEN state. */
export interface ListeningSocket {
  readonly address: string;
  readonly port: number;
}

const LISTEN = '0A';

/** `0100007F` → `127.0.0.1` (/proc/net/tcp writes IPv4 in host byte order, little-endian here). */
function ipv4(hex: string): string {
  return [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join('.');
}

/** An IPv6 address of /proc/net/tcp6 (four little-endian 32-bit words), IPv4-mapped ones as IPv4. */
function ipv6(hex: string): string {
  const words = [0, 8, 16, 24].map(
    (i) =>
      hex
        .slice(i, i + 8)
        .match(/../g)
        ?.reverse()
        .join('') ?? '',
  );
  const full = words.join('').toLowerCase();
  if (full.startsWith('00000000000000000000ffff')) return ipv4(hex.slice(24, 32));
  const groups = full.match(/.{4}/g) ?? [];
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/**
 * Every TCP socket this process listens on, from the kernel's own tables (`/proc/net/tcp{,6}` joined
 * with `/proc/self/fd`): whatever library opened it, and however it reports its address. Linux only.
 */
export function listeningSockets(): ListeningSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.add(match[1]);
    } catch {
      // The fd closed while we looked.
    }
  }
  const sockets: ListeningSocket[] = [];
  for (const [file, decode] of [
    ['/proc/net/tcp', ipv4],
    ['/proc/net/tcp6', ipv6],
  ] as const) {
    let table: string;
    try {
      table = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const row of table.trim().split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      const [local, state, inode] = [cols[1] ?? '', cols[3], cols[9] ?? ''];
      if (state !== LISTEN || !inodes.has(inode)) continue;
      const [host = '', port = '0'] = local.split(':');
      sockets.push({ address: decode(host), port: Number.parseInt(port, 16) });
    }
  }
  return sockets;
}

/** Whether an address is this machine only. */
export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '0:0:0:0:0:0:0:1';
}
