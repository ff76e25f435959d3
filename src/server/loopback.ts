import { isIP } from 'node:net';

/** 127.0.0.0/8, ::1, and IPv4 loopback as a dual-stack socket reports it (::ffff:127.x.y.z). */
const LOOPBACK_ADDRESS = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** Whether a peer address (a socket's `remoteAddress`) is this machine's loopback interface; undefined is not. */
export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && isIP(address) !== 0 && LOOPBACK_ADDRESS.test(address);
}

/**
 * Whether a Host header names this machine by a loopback name (localhost, 127.x, [::1]), with any
 * port. A page on another site that gets its name resolved to 127.0.0.1 (DNS rebinding) reaches us
 * from a loopback address, but with its own name in Host.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined || !URL.canParse(`http://${host}`)) return false;
  const name = new URL(`http://${host}`).hostname;
  return name === 'localhost' || name === '[::1]' || isLoopbackAddress(name);
}
