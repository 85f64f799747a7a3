/**
 * API_KEYS_FILE is read again while the service runs (issue 18): when the file changes, and on SIGHUP.
 * A file that cannot be taken keeps the keys in force and says why at error level.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hashApiKey } from '../../../src/auth';
import {
  captureLog,
  removeDataDir,
  startTestService,
  temporaryDataDir,
  type CapturedLog,
  type TestService,
} from '../../helpers/components';
import { eventually } from '../../helpers/eventually';

const FIRST = 'rl_first-key';
const SECOND = 'rl_second-key';
const THIRD = 'rl_third-key';
const entry = (name: string, key: string) => ({ name, roles: ['read'], sha256: hashApiKey(key).toString('hex') });

let service: TestService;
let captured: CapturedLog;
let keysFile: string;

const write = (content: string) => {
  // As secret mounts and editors do: a new file renamed over the old one.
  fs.writeFileSync(`${keysFile}.tmp`, content);
  fs.renameSync(`${keysFile}.tmp`, keysFile);
};
const statusWith = async (key: string) =>
  (await service.graphql('{ ports { code } }', {}, { 'x-api-key': key })).status;
const refusals = () =>
  captured
    .lines()
    .filter((line) => line.level === 50 && line.msg === 'API_KEYS_FILE not reloaded: the keys in force stay');

beforeAll(async () => {
  captured = captureLog('info');
  keysFile = path.join(temporaryDataDir(), 'api-keys.json');
  fs.writeFileSync(keysFile, JSON.stringify([entry('first', FIRST)]));
  service = await startTestService({ API_KEYS_FILE: keysFile }, captured.log);
});
afterAll(async () => {
  await service.stop();
  removeDataDir(path.dirname(keysFile));
});

it('takes a rewritten file while running: the new key works, the removed one gets 401', async () => {
  expect(await statusWith(FIRST)).toBe(200);
  expect(await statusWith(SECOND)).toBe(401);
  write(JSON.stringify([entry('second', SECOND)]));
  await eventually(
    () => statusWith(SECOND),
    (status) => status === 200,
    { what: 'the new key to work', timeoutMs: 10_000 },
  );
  expect(await statusWith(FIRST)).toBe(401);
  expect(captured.lines()).toContainEqual(expect.objectContaining({ msg: 'API keys reloaded', keys: ['second'] }));
});

it('keeps the keys in force when the file is broken, invalid or empty, and logs why at error level', async () => {
  const broken = ['{ not json', JSON.stringify([{ ...entry('bad', THIRD), roles: ['write'] }]), '[]'];
  for (const [index, content] of broken.entries()) {
    write(content);
    await eventually(refusals, (lines) => lines.length === index + 1, {
      what: `the refusal of file ${index + 1}`,
      timeoutMs: 10_000,
    });
    expect(await statusWith(SECOND)).toBe(200);
    expect(await statusWith(THIRD)).toBe(401);
    expect(await statusWith(FIRST)).toBe(401);
  }
  expect(refusals().map((line) => line.problems)).toEqual([
    [expect.stringMatching(/^API_KEYS_FILE: cannot read .* as JSON/)],
    [expect.stringMatching(/^API_KEYS_FILE: entry 0\.roles/)],
    [expect.stringMatching(/^API_KEYS_FILE: .*no API key/)],
  ]);
});

it('reads the file again at once on SIGHUP', async () => {
  write(JSON.stringify([entry('third', THIRD)]));
  process.emit('SIGHUP', 'SIGHUP');
  expect(await statusWith(THIRD)).toBe(200);
  expect(await statusWith(SECOND)).toBe(401);
});
