import { describe, expect, it } from '@jest/globals';
import { bindFailureMessage, listenHost, listeningMessage } from './listen.js';

function systemError(code: string): Error {
  return Object.assign(new Error(`listen ${code}`), { code, syscall: 'listen' });
}

describe('listenHost', () => {
  it('listens on loopback only while the demo principals are in use and HOST is unset', () => {
    expect(listenHost(undefined, true)).toBe('127.0.0.1');
  });

  it('listens on every interface when real principals are configured and HOST is unset', () => {
    expect(listenHost(undefined, false)).toBe('0.0.0.0');
  });

  it('takes HOST as it is, with or without the demo principals', () => {
    expect(listenHost('0.0.0.0', true)).toBe('0.0.0.0');
    expect(listenHost('::', true)).toBe('::');
    expect(listenHost('127.0.0.1', false)).toBe('127.0.0.1');
  });
});

describe('listeningMessage', () => {
  it('gives the bound loopback address and port, and why only this machine, when that was the default', () => {
    expect(listeningMessage({ address: '127.0.0.1', port: 3000 }, { hostConfigured: false, demoPrincipals: true })).toBe(
      'Countersign API listening on http://127.0.0.1:3000 (this machine only, as the demo principals are in use; HOST=0.0.0.0 listens on every interface)',
    );
  });

  it('gives the bound address alone when HOST chose it', () => {
    expect(listeningMessage({ address: '127.0.0.1', port: 3000 }, { hostConfigured: true, demoPrincipals: true })).toBe('Countersign API listening on http://127.0.0.1:3000');
    expect(listeningMessage({ address: '10.1.2.3', port: 8080 }, { hostConfigured: true, demoPrincipals: false })).toBe('Countersign API listening on http://10.1.2.3:8080');
  });

  it('says every interface for a wildcard address, with the URL to use from this machine', () => {
    expect(listeningMessage({ address: '0.0.0.0', port: 3000 }, { hostConfigured: false, demoPrincipals: false })).toBe(
      'Countersign API listening on http://0.0.0.0:3000 (every interface; http://127.0.0.1:3000 from this machine)',
    );
    expect(listeningMessage({ address: '::', port: 3000 }, { hostConfigured: true, demoPrincipals: true })).toBe(
      'Countersign API listening on http://[::]:3000 (every interface; http://[::1]:3000 from this machine)',
    );
  });

  it('brackets an IPv6 address in the URL', () => {
    expect(listeningMessage({ address: '::1', port: 4000 }, { hostConfigured: true, demoPrincipals: false })).toBe('Countersign API listening on http://[::1]:4000');
  });
});

describe('bindFailureMessage', () => {
  it('names the port and PORT when the port is taken', () => {
    expect(bindFailureMessage(systemError('EADDRINUSE'), '127.0.0.1', 3000)).toBe('port 3000 on 127.0.0.1 is already in use: stop the process holding it or set PORT to a free port');
  });

  it('names PORT when a privileged port is refused', () => {
    expect(bindFailureMessage(systemError('EACCES'), '0.0.0.0', 80)).toBe(
      'not allowed to listen on port 80 on 0.0.0.0 (ports below 1024 need privileges): set PORT to a port above 1023',
    );
  });

  it('names HOST when it is not an address of this machine', () => {
    for (const code of ['EADDRNOTAVAIL', 'ENOTFOUND']) {
      expect(bindFailureMessage(systemError(code), '10.99.99.99', 3000)).toBe(
        'HOST=10.99.99.99 is not an address of this machine: set HOST to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for every interface)',
      );
    }
  });

  it('leaves any other error to be reported as it is', () => {
    expect(bindFailureMessage(systemError('EMFILE'), '127.0.0.1', 3000)).toBeUndefined();
    expect(bindFailureMessage(new Error('boom'), '127.0.0.1', 3000)).toBeUndefined();
    expect(bindFailureMessage('not an error', '127.0.0.1', 3000)).toBeUndefined();
    expect(bindFailureMessage(null, '127.0.0.1', 3000)).toBeUndefined();
  });

  it('fits each message on one line', () => {
    for (const code of ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']) expect(bindFailureMessage(systemError(code), '127.0.0.1', 3000)).not.toMatch(/\n/);
  });
});
