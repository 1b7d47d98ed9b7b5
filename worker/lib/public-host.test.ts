import { describe, expect, it } from 'vitest';
import {
  canonicalHostName,
  nonPublicHostNameReason,
  nonPublicHostReason,
  parsePrivateHostAllowance,
} from './public-host';

const urlReason = (raw: string) => nonPublicHostReason(new URL(raw));

describe('public-host check', () => {
  it('refuses IPv6 forms that embed a private IPv4 address', () => {
    for (const url of [
      'http://[::127.0.0.1]/', // IPv4-compatible
      'http://[::a00:1]/', // IPv4-compatible 10.0.0.1
      'http://[::ffff:7f00:1]/', // IPv4-mapped
      'http://[::ffff:0:7f00:1]/', // IPv4-translated (RFC 6145)
      'http://[64:ff9b::7f00:1]/', // NAT64 well-known prefix
      'http://[64:ff9b::a9fe:a9fe]/', // NAT64 of 169.254.169.254
      'http://[64:ff9b:1::a00:1]/', // NAT64 local-use prefix
      'http://[2002:7f00:1::]/', // 6to4 of 127.0.0.1
      'http://[2002:a00:1::1]/', // 6to4 of 10.0.0.1
      'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', // Teredo
      'http://[::]/',
      'http://[100::1]/',
      'http://[fec0::1]/',
    ]) {
      expect(urlReason(url), url).not.toBeNull();
    }
  });

  it('refuses decimal, octal, hex and short IPv4 spellings of private addresses', () => {
    for (const url of [
      'http://2130706433/',
      'http://0x7f.1/',
      'http://0177.0.0.1/',
      'http://127.1/',
      'http://0xa9fea9fe/',
    ]) {
      expect(urlReason(url), url).toMatch(/loopback|linkLocal/);
    }
    for (const host of [
      '2130706433',
      '0x7f.1',
      '0177.0.0.1',
      '127.1',
      '0x0a.1',
      '::127.0.0.1',
      '[::1]',
      'LOCALHOST.',
    ]) {
      expect(nonPublicHostNameReason(host), host).not.toBeNull();
    }
  });

  it('allows public hosts and public addresses', () => {
    expect(urlReason('https://api.openai.com/v1')).toBeNull();
    expect(urlReason('http://93.184.215.14/')).toBeNull();
    expect(urlReason('http://[2606:4700::1111]/')).toBeNull();
    expect(nonPublicHostNameReason('smtp.gmail.com')).toBeNull();
    expect(nonPublicHostNameReason('2606:4700::1111')).toBeNull();
  });

  it('reads a bare host the way connect() would, and refuses what is not a host', () => {
    expect(canonicalHostName('0x7f.1')).toBe('127.0.0.1');
    expect(canonicalHostName('SMTP.Example.COM.')).toBe('smtp.example.com');
    expect(canonicalHostName('[::FFFF:127.0.0.1]')).toBe('::ffff:7f00:1');
    expect(canonicalHostName('::1')).toBe('::1');
    for (const bad of [
      '',
      'smtp.example.com:25',
      'smtp.example.com/x',
      'a b',
      'user@host',
      '999999999999',
      'fe80::1%eth0',
    ]) {
      expect(canonicalHostName(bad), bad).toBeNull();
      expect(nonPublicHostNameReason(bad), bad).toBe('it is not a valid host name');
    }
  });

  it('lets an installation allow named private hosts and ranges, and nothing else', () => {
    const allowance = parsePrivateHostAllowance('10.0.0.0/8, ollama.internal,192.168.1.20 not/a/range');
    expect(nonPublicHostNameReason('10.1.2.3', allowance)).toBeNull();
    expect(nonPublicHostNameReason('0x0a.1', allowance)).toBeNull();
    expect(nonPublicHostNameReason('::ffff:10.1.2.3', allowance)).toBeNull();
    expect(nonPublicHostNameReason('OLLAMA.internal.', allowance)).toBeNull();
    expect(nonPublicHostNameReason('192.168.1.20', allowance)).toBeNull();
    expect(nonPublicHostNameReason('192.168.1.21', allowance)).toMatch(/private/);
    expect(nonPublicHostNameReason('127.0.0.1', allowance)).toMatch(/loopback/);
    expect(nonPublicHostNameReason('other.internal', allowance)).toMatch(/internal host name/);
    expect(nonPublicHostReason(new URL('http://169.254.169.254/'), allowance)).toMatch(/linkLocal/);
    expect(nonPublicHostNameReason('10.1.2.3', parsePrivateHostAllowance(''))).toMatch(/private/);
  });
});
