import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, compactVerify, importJWK, type JWK } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import type { StepRunPayload } from '@devflow/protocol';
import { SecretBox } from '../crypto/secret-box.js';
import { openDb } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { StepSigner } from './signing.js';

const dir = mkdtempSync(join(tmpdir(), 'devflow-signing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('StepSigner', () => {
  it('signs the same compact JWS jose makes with the stored key, and it verifies with the pinned public key', async () => {
    const db = await openDb(`file:${join(dir, 'db.sqlite')}`);
    await migrate(db);
    const box = new SecretBox(randomBytes(32));
    const signer = await StepSigner.load(db, box);
    const payload: StepRunPayload = { stepId: 'stp_1', agentId: 'srv_1', spec: { kind: 'exec', argv: ['true'], timeoutMs: 1000 }, secrets: [], issuedAt: 1 };

    const jws = signer.sign(payload);
    const row = (await db.execute("SELECT value FROM settings WHERE key = 'agent_signing_key'")).rows[0];
    const privateJwk = JSON.parse(box.open(JSON.parse(String(row?.value)).privateSealed, 'agent_signing_key')) as JWK;
    const byJose = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA' }).sign(await importJWK(privateJwk, 'EdDSA'));
    expect(jws).toBe(byJose);

    const { payload: opened, protectedHeader } = await compactVerify(jws, await importJWK(signer.publicJwk, 'EdDSA'));
    expect(protectedHeader).toEqual({ alg: 'EdDSA' });
    expect(JSON.parse(new TextDecoder().decode(opened))).toEqual(payload);
    db.close();
  });
});
