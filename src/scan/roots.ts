/**
 * Where discovery starts (docs/architecture.md §6.1): the 13 root server addresses (IANA root
 * hints), IPv4 and IPv6, and ICANN's public transfer servers for the root zone
 * (RFC 8806 §2), which are the ones that do allow AXFR of ".".
 */
export const DEFAULT_ROOTS: readonly string[] = [
  // ICANN's transfer servers first: they allow the transfer.
  '192.0.32.132',
  '192.0.47.132',
  '2620:0:2d0:202::132',
  '2620:0:2830:202::132',
  '198.41.0.4',
  '2001:503:ba3e::2:30', // a
  '170.247.170.2',
  '2801:1b8:10::b', // b
  '192.33.4.12',
  '2001:500:2::c', // c
  '199.7.91.13',
  '2001:500:2d::d', // d
  '192.203.230.10',
  '2001:500:a8::e', // e
  '192.5.5.241',
  '2001:500:2f::f', // f
  '192.112.36.4',
  '2001:500:12::d0d', // g
  '198.97.190.53',
  '2001:500:1::53', // h
  '192.36.148.17',
  '2001:7fe::53', // i
  '192.58.128.30',
  '2001:503:c27::2:30', // j
  '193.0.14.129',
  '2001:7fd::1', // k
  '199.7.83.42',
  '2001:500:9f::42', // l
  '202.12.27.33',
  '2001:dc3::35', // m
];
