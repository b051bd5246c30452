// `${VAR}` in compose files, as docker/cli v19.03.13 substitutes them: the template rules on their
// own, then the loader with an environment (typed paths cast before the schema, Docker's messages).
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { loadStack } from '../../src/swarm/compose.js';
import type { Stack } from '../../src/swarm/compose.js';
import { substitute } from '../../src/swarm/compose/template.js';

const ENV = new Map([['FOO', 'first'], ['BAR', '']]);
const sub = (t: string, env: ReadonlyMap<string, string> = ENV) => substitute(t, (k) => env.get(k));

describe('template: the substitution rules', () => {
  const ok: Array<[string, string]> = [
    ['$${foo}', '${foo}'],
    ['foo', 'foo'],
    ['This ${missing} var', 'This  var'],
    ['This ${BAR} var', 'This  var'],
    ['This $FOO var', 'This first var'],
    ['This ${FOO} var', 'This first var'],
    ['ok ${missing:-def}', 'ok def'],
    ['ok ${missing-def}', 'ok def'],
    ['ok ${BAR:-def}', 'ok def'],
    ['ok ${FOO:-def}', 'ok first'],
    ['ok ${BAR-def}', 'ok '],
    ['ok ${BAR:-/non:-alphanumeric}', 'ok /non:-alphanumeric'],
    ['ok ${FOO:?err}', 'ok first'],
    ['ok ${FOO?err}', 'ok first'],
    ['ok ${BAR?err}', 'ok '],
    // The unbraced form takes an operator too and runs to the end (or to a `}`).
    ['$missing-a b', 'a b'],
    ['$FOO/x', 'first/x'],
    ['$$FOO', '$FOO'],
    ['${foo}', ''],
  ];
  for (const [t, want] of ok) {
    it(`${JSON.stringify(t)} → ${JSON.stringify(want)}`, () => {
      expect(sub(t)).toEqual({ value: want, invalid: null });
    });
  }

  for (const t of ['${', '$}', '${}', '${ }', '${ foo}', '${foo }', '${foo!}', 'a $ b']) {
    it(`${JSON.stringify(t)} is an invalid template, the whole string reported`, () => {
      expect(sub(t).invalid).toBe(t);
    });
  }

  it('a required variable unset or empty fails with its message', () => {
    expect(sub('not ok ${UNSET_VAR:?Mandatory Variable Unset}').invalid).toBe('required variable UNSET_VAR is missing a value: Mandatory Variable Unset');
    expect(sub('not ok ${BAR:?Mandatory Variable Empty}').invalid).toBe('required variable BAR is missing a value: Mandatory Variable Empty');
    expect(sub('not ok ${UNSET_VAR?}').invalid).toBe('required variable UNSET_VAR is missing a value: ');
  });

  it('keeps Go\'s one error variable: a later substitution in the same string clears the error', () => {
    expect(sub('${UNSET?x} $FOO')).toEqual({ value: ' first', invalid: null });
    expect(sub('$FOO ${UNSET?x}').invalid).toBe('required variable UNSET is missing a value: x');
  });

  it('tries the hard default before the required check, as Docker\'s function order does', () => {
    // `${A:?must-set}`: the text holds a `-`, so it is the default "set" of a variable "A:?must".
    expect(sub('${A:?must-set}')).toEqual({ value: 'set', invalid: null });
  });
});

function load(text: string, env: Record<string, string> = {}): Stack {
  return loadStack('st', [{ path: '/root/stack.yml', text }], new Map(Object.entries(env)));
}
function loadError(text: string, env: Record<string, string> = {}): InputError {
  try {
    load(text, env);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('the loader interpolates with the environment it is given', () => {
  const PORTAINER = `version: "3.7"
services:
  portainer:
    image: portainer/portainer:\${PORTAINER_TAG:-1.24.1}
    command: -H tcp://tasks.agent:9001 --tlsskipverify
    deploy:
      replicas: \${REPLICAS:-1}
      labels:
        - traefik.frontend.rule=Host:portainer.\${DOMAIN?Variable DOMAIN not set}
        - cost=$$5
`;

  it('substitutes values and defaults, casts typed paths, keeps $$ as $', () => {
    const st = load(PORTAINER, { DOMAIN: 'example.com', REPLICAS: '3' });
    const spec = st.services[0]!.spec;
    expect(spec.image).toBe('portainer/portainer:1.24.1');
    expect(spec.mode).toEqual({ kind: 'replicated', replicas: 3 });
    expect(spec.labels['traefik.frontend.rule']).toBe('Host:portainer.example.com');
    expect(spec.labels['cost']).toBe('$5');
  });

  it('refuses a required variable that is not set, in Docker\'s words, at the value', () => {
    const e = loadError(PORTAINER);
    expect(e.message).toBe('invalid interpolation format for services.portainer.deploy.labels.[]: "required variable DOMAIN is missing a value: Variable DOMAIN not set". You may need to escape any $ with another $.');
    expect(e.line).toBe(9);
  });

  it('interpolates before the schema: a replicas that is not a number fails the cast', () => {
    const e = loadError(PORTAINER, { DOMAIN: 'x', REPLICAS: 'three' });
    expect(e.message).toBe('error while interpolating services.portainer.deploy.replicas: failed to cast to expected type: strconv.Atoi: parsing "three": invalid syntax');
  });

  it('casts booleans on the typed paths and leaves others strings for the schema', () => {
    const text = 'version: "3.7"\nservices:\n  a:\n    image: x\n    read_only: ${RO}\n    networks: [front]\nnetworks:\n  front:\n    external: ${EXT}\n';
    expect(load(text, { RO: 'yes', EXT: 'true' }).networks[0]).toMatchObject({ name: "front", external: true });
    expect(loadError(text, { RO: 'maybe', EXT: 'true' }).message).toBe('error while interpolating services.a.read_only: failed to cast to expected type: invalid boolean: maybe');
    // cpus is not a typed path: it stays the string "1", which is what the schema wants.
    const st = load('version: "3.7"\nservices:\n  a:\n    image: x\n    hostname: ${H:-1}\n    deploy:\n      resources:\n        limits:\n          cpus: ${CPUS:-1}\n');
    expect(st.services[0]!.spec).toMatchObject({ hostname: '1', resources: { limitCpu: 1e9 } });
  });

  it('reports an invalid template with the whole string, Go-quoted', () => {
    const e = loadError('version: "3.7"\nservices:\n  a:\n    image: x\n    environment:\n      PRICE: "5$ \\"each\\""\n');
    expect(e.message).toBe('invalid interpolation format for services.a.environment.PRICE: "5$ \\"each\\"". You may need to escape any $ with another $.');
  });

  it('gives an environment entry without a value the shell\'s value', () => {
    const st = load('version: "3.7"\nservices:\n  a:\n    image: x\n    environment:\n      - TOKEN\n      - EMPTY=\n      - UNSET\n      - SET=v\n', { TOKEN: 't0k', EMPTY: 'e', SET: 'other' });
    expect(st.services[0]!.spec.env).toEqual(['EMPTY=e', 'SET=v', 'TOKEN=t0k', 'UNSET']);
  });

  it('expands ~ in a bind source with $HOME', () => {
    const st = load('version: "3.7"\nservices:\n  a:\n    image: x\n    volumes:\n      - ~/data:/data\n', { HOME: '/home/me' });
    expect(st.services[0]!.spec.mounts).toEqual([{ type: 'bind', source: '/home/me/data', target: '/data' }]);
  });

  it('does not interpolate keys', () => {
    expect(loadError('version: "3.7"\nservices:\n  ${X}:\n    image: x\n', { X: 'y' }).message).toBe('${X} Additional property ${X} is not allowed');
  });
});
