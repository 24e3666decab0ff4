import type { Labels } from '@portwarden/common/labels';
import type { Sql, TransactionSql } from './db.js';

export interface TokenRecord {
  id: string;
  labels: Labels;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  usedBy: string | null;
}

/** Why a token cannot enroll anything; `unknown` also covers a token made for another controller. */
export type TokenProblem = 'token-unknown' | 'token-used' | 'token-expired';

/** Why an enrollment was refused, as the security log names it. */
export type EnrollRefusal = TokenProblem | 'agent-enrolled';

export class EnrollRefusedError extends Error {
  override readonly name = 'EnrollRefusedError';
  constructor(
    readonly reason: EnrollRefusal,
    readonly tokenId?: string,
  ) {
    super(reason);
  }
}

export interface CertificateRecord {
  serial: string;
  name: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CertificateStatus {
  agentName: string;
  notAfter: Date;
  revokedAt: Date | null;
}

/** Tokens, identities and the certificates issued to them. Time comparisons use the database's clock. */
export function createEnrollmentStore(sql: Sql) {
  const insertCertificate = (tx: TransactionSql, cert: CertificateRecord, how: 'enroll' | 'renew') => tx`
    INSERT INTO agent_certificates (serial, agent_name, not_before, not_after, issued_by)
    VALUES (${cert.serial}, ${cert.name}, ${cert.notBefore}, ${cert.notAfter}, ${how})`;

  return {
    async createToken(token: {
      id: string;
      hash: Buffer;
      labels: Labels;
      expiresAt: Date;
    }): Promise<TokenRecord> {
      const [row] = await sql<TokenRecord[]>`
        INSERT INTO enrollment_tokens (id, token_hash, labels, expires_at)
        VALUES (${token.id}, ${token.hash}, ${sql.json(token.labels)}, ${token.expiresAt})
        RETURNING id, labels, created_at, expires_at, used_at, used_by`;
      return row!;
    },

    /** What is wrong with a token, if anything, without using it up. */
    async tokenProblem(hash: Buffer): Promise<{ id?: string; problem?: TokenProblem }> {
      const [row] = await sql<{ id: string; used: boolean; expired: boolean }[]>`
        SELECT id, used_at IS NOT NULL AS used, expires_at <= now() AS expired
        FROM enrollment_tokens WHERE token_hash = ${hash}`;
      if (!row) return { problem: 'token-unknown' };
      return {
        id: row.id,
        ...(row.used ? { problem: 'token-used' } : row.expired ? { problem: 'token-expired' } : {}),
      };
    },

    /**
     * Uses the token up and records the certificate, in one transaction. Refuses
     * (EnrollRefusedError) a used, expired or unknown token, and a name that holds a valid
     * certificate (revoke it first to enroll it again); the token then stays as it was, and the
     * certificate, never recorded, is worthless: the controller accepts only certificates on record.
     */
    async enroll(hash: Buffer, certificate: CertificateRecord): Promise<{ tokenId: string; labels: Labels }> {
      const name = certificate.name;
      return sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtext(${`portwarden-enroll:${name}`}))`;
        const [token] = await tx<{ id: string; labels: Labels; used: boolean; expired: boolean }[]>`
          SELECT id, labels, used_at IS NOT NULL AS used, expires_at <= now() AS expired
          FROM enrollment_tokens WHERE token_hash = ${hash} FOR UPDATE`;
        if (!token) throw new EnrollRefusedError('token-unknown');
        if (token.used) throw new EnrollRefusedError('token-used', token.id);
        if (token.expired) throw new EnrollRefusedError('token-expired', token.id);
        const [held] = await tx`
          SELECT 1 FROM agent_certificates
          WHERE agent_name = ${name} AND revoked_at IS NULL AND not_after > now() LIMIT 1`;
        if (held) throw new EnrollRefusedError('agent-enrolled', token.id);
        await tx`UPDATE enrollment_tokens SET used_at = now(), used_by = ${name} WHERE id = ${token.id}`;
        await tx`
          INSERT INTO agent_identities (name, labels, token_id) VALUES (${name}, ${sql.json(token.labels)}, ${token.id})
          ON CONFLICT (name) DO UPDATE SET labels = EXCLUDED.labels, token_id = EXCLUDED.token_id,
            enrolled_at = now(), revoked_at = NULL`;
        await insertCertificate(tx, certificate, 'enroll');
        return { tokenId: token.id, labels: token.labels };
      });
    },

    async recordRenewal(certificate: CertificateRecord): Promise<void> {
      await sql.begin((tx) => insertCertificate(tx, certificate, 'renew'));
    },

    async certificateStatus(serial: string): Promise<CertificateStatus | undefined> {
      const [row] = await sql<CertificateStatus[]>`
        SELECT agent_name, not_after, revoked_at FROM agent_certificates WHERE serial = ${serial}`;
      return row;
    },

    async labels(name: string): Promise<Labels | undefined> {
      const [row] = await sql<{ labels: Labels }[]>`SELECT labels FROM agent_identities WHERE name = ${name}`;
      return row?.labels;
    },

    /** Revokes every certificate of the agent; undefined when no agent of that name ever enrolled. */
    async revoke(name: string): Promise<{ certificates: number } | undefined> {
      return sql.begin(async (tx) => {
        const [identity] = await tx`
          UPDATE agent_identities SET revoked_at = coalesce(revoked_at, now()) WHERE name = ${name} RETURNING name`;
        if (!identity) return undefined;
        const revoked = await tx`
          UPDATE agent_certificates SET revoked_at = now() WHERE agent_name = ${name} AND revoked_at IS NULL`;
        return { certificates: revoked.count };
      });
    },

    /** Which of these serials are revoked (or unknown): the streams that must close. */
    async notAccepted(serials: string[]): Promise<string[]> {
      if (serials.length === 0) return [];
      const accepted = await sql<{ serial: string }[]>`
        SELECT serial FROM agent_certificates WHERE serial = ANY(${serials}) AND revoked_at IS NULL`;
      const ok = new Set(accepted.map((r) => r.serial));
      return serials.filter((s) => !ok.has(s));
    },
  };
}
