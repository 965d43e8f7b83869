import { describe, expect, it } from 'vitest';
import { maskDatabaseUrl, parseDatabaseUrl, poolConfig, withDatabase } from './database';

describe('database URLs', () => {
  it('parses the parts of a PostgreSQL URL, decoding escapes', () => {
    expect(parseDatabaseUrl('postgresql://us%40r:p%3Ass@db.local:6543/web%20stream')).toEqual({
      host: 'db.local',
      port: 6543,
      user: 'us@r',
      password: 'p:ss',
      database: 'web stream',
    });
  });

  it('defaults the port and user, and refuses other schemes or a missing database', () => {
    expect(parseDatabaseUrl('postgres://127.0.0.1/iam')).toMatchObject({ port: 5432, user: 'postgres' });
    expect(() => parseDatabaseUrl('mysql://h/db')).toThrow(/postgresql:\/\//);
    expect(() => parseDatabaseUrl('postgresql://h:5432/')).toThrow(/name a database/);
    expect(() => parseDatabaseUrl('not a url')).toThrow(/not a valid URL/);
  });

  it('swaps the database and keeps the credentials', () => {
    expect(withDatabase('postgresql://u:secret@h:1/a', 'b')).toBe('postgresql://u:secret@h:1/b');
  });

  it('masks the password for logs', () => {
    const masked = maskDatabaseUrl('postgresql://u:secret@h:1/a');
    expect(masked).toBe('postgresql://u:***@h:1/a');
    expect(maskDatabaseUrl('nonsense')).not.toContain('nonsense');
  });

  it('keeps the URL sslmode and runs sessions in UTC', () => {
    expect(poolConfig('postgresql://u@h:1/a?sslmode=verify-full')).toMatchObject({
      ssl: { rejectUnauthorized: true },
      options: '-c TimeZone=UTC',
    });
    expect(poolConfig('postgresql://u@h:1/a?sslmode=require')).toMatchObject({
      ssl: { rejectUnauthorized: false },
    });
    expect(poolConfig('postgresql://u@h:1/a')).not.toHaveProperty('ssl');
    expect(withDatabase('postgresql://u@h:1/a?sslmode=require', 'b')).toBe(
      'postgresql://u@h:1/b?sslmode=require',
    );
    expect(() => poolConfig('postgresql://u@h:1/a?sslmode=sometimes')).toThrow(/sslmode/);
  });

  it('gives pg discrete fields so a shadow database cannot be redirected to the real one', () => {
    const config = poolConfig('postgresql://u:secret@h:1/a');
    expect(config).toMatchObject({ host: 'h', port: 1, user: 'u', password: 'secret', database: 'a' });
    expect(config).not.toHaveProperty('connectionString');
  });
});
