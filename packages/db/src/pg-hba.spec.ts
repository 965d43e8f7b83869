import { describe, expect, it } from 'vitest';
import { requireScram } from './pg-hba';

describe('pg_hba.conf rules', () => {
  it('makes the trust, password and md5 methods of local and host rules scram-sha-256', () => {
    const before = [
      '# TYPE  DATABASE        USER            ADDRESS                 METHOD',
      '',
      '# "local" is for Unix domain socket connections only',
      'local   all             all                                     password',
      'host    all             all             127.0.0.1/32            password',
      'host    all             all             ::1/128                 trust # loopback',
      'hostssl all             all             10.0.0.1  255.255.255.255 md5',
      'local   replication     all                                     trust',
      'host    replication     all             127.0.0.1/32            password',
      'host    all             all             samehost                peer',
      'include_if_exists extra.conf',
    ].join('\n');
    expect(requireScram(before)).toBe(
      [
        '# TYPE  DATABASE        USER            ADDRESS                 METHOD',
        '',
        '# "local" is for Unix domain socket connections only',
        'local   all             all                                     scram-sha-256',
        'host    all             all             127.0.0.1/32            scram-sha-256',
        'host    all             all             ::1/128                 scram-sha-256 # loopback',
        'hostssl all             all             10.0.0.1  255.255.255.255 scram-sha-256',
        'local   replication     all                                     scram-sha-256',
        'host    replication     all             127.0.0.1/32            scram-sha-256',
        'host    all             all             samehost                peer',
        'include_if_exists extra.conf',
      ].join('\n'),
    );
  });

  it('leaves a file that already asks for scram-sha-256 as it is', () => {
    const hba =
      'local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n# host all all all trust\n';
    expect(requireScram(hba)).toBe(hba);
  });

  it('does not take a database or user named like a method for the method', () => {
    expect(requireScram('host trust md5 127.0.0.1/32 scram-sha-256')).toBe(
      'host trust md5 127.0.0.1/32 scram-sha-256',
    );
  });
});
