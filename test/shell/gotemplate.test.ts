// Go templates as docker --format and -f run them. Every expected text below was printed by Go's
// own text/template (Go 1.19, with docker/cli 19.03's template functions from cli/templates/
// templates.go) over the same data, integers decoded as Go ints as the structs docker formats hold
// them. Where Go 1.13 (what docker 19.03.15 is built with) differs from 1.19 — eq of a missing value
// is an error, len of one is "len of untyped nil" — the last test says so.
import { describe, expect, it } from 'vitest';
import { goTemplate, TemplateError } from '../../src/shell/gotemplate.js';

const c = {
  Id: 'abc123', Name: '/web', State: { Status: 'running', Running: true, Pid: 42, ExitCode: 0 },
  Config: { Labels: { 'com.docker.swarm.service.name': 'web', 'a.b': 'x' }, Env: ['PATH=/bin', 'A=1'], Cmd: null, Image: 'nginx' },
  HostConfig: { Memory: 0, PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }, Links: null },
  NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2', Gateway: '172.17.0.1', Aliases: null }, net1: { IPAddress: '10.0.1.5', Gateway: '10.0.1.1', Aliases: ['web', 'abc'] } },
    Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '443/tcp': null } },
  Mounts: [], Ratio: 0.5, Big: 1e21,
};

/** [template, its output or Go's error] */
const CASES: Array<[string, string | { err: string }]> = [
  ["{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}","172.17.0.210.0.1.5"],
  ["{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}","bridge=172.17.0.2 net1=10.0.1.5 "],
  ["{{range $n, $conf := .NetworkSettings.Ports}}{{$n}} -> {{(index $conf 0).HostPort}}{{end}}",{"err":"template: :1:58: executing \"\" at <index $conf 0>: error calling index: index of untyped nil"}],
  ["{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}}","8080"],
  ["{{index .Config.Labels \"com.docker.swarm.service.name\"}}","web"],
  ["{{index .Config.Labels \"missing\"}}","<no value>"],
  ["{{json .Missing}}","null"],
  ["{{.State.Running}} {{.State.Pid}} {{.Ratio}} {{.Big}}","true 42 0.5 1e+21"],
  ["{{if .State.Running}}up{{else}}down{{end}}","up"],
  ["{{if eq .State.Status \"running\"}}R{{else if eq .State.Status \"exited\"}}E{{else}}?{{end}}","R"],
  ["{{with .NetworkSettings.Networks.net1}}{{.Gateway}}{{end}}","10.0.1.1"],
  ["{{with .Nope}}x{{else}}none{{end}}","none"],
  ["{{range .Mounts}}{{.Source}}{{else}}no mounts{{end}}","no mounts"],
  ["{{range .Config.Env}}{{println .}}{{end}}","PATH=/bin\nA=1\n"],
  ["{{split .Name \"/\"}}","[ web]"],
  ["{{len .Config.Env}} {{len .Name}} {{len .Config.Labels}}","2 4 2"],
  ["{{upper .Config.Image}} {{lower \"ABC\"}} {{title \"hello world-x\"}} [{{pad .Config.Image 2 3}}] {{truncate .Id 3}}","NGINX abc Hello World-X [  nginx   ] abc"],
  ["{{printf \"%s:%d\" .Config.Image .State.Pid}}","nginx:42"],
  ["{{printf \"%5s|%-5s|%05d|%x|%q|%v|%t\" \"a\" \"b\" 42 255 \"q\" .Config.Env true}}","    a|b    |00042|ff|\"q\"|[PATH=/bin A=1]|true"],
  ["{{printf \"%d\" .Name}}","%!d(string=/web)"],
  ["{{printf \"%s %s\" .Name}}","/web %!s(MISSING)"],
  ["{{printf \"%s\" .Name 3}}","/web%!(EXTRA int=3)"],
  ["{{printf \"%.2f %v\" .Ratio .Ratio}}","0.50 0.5"],
  ["{{.Name | printf \"%s!\"}}","/web!"],
  ["{{.Config.Env | len}}","2"],
  ["{{.Id | truncate 2 | upper}}",{"err":"template: :1:17: executing \"\" at <2>: expected string; found 2"}],
  ["{{$x := .State.Pid}}{{$x}}","42"],
  ["{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}","2"],
  ["{{range $i, $e := .Config.Env}}{{$i}}:{{$e}};{{end}}","0:PATH=/bin;1:A=1;"],
  ["{{$.Name}}{{range .Config.Env}}{{$.Id}}{{end}}","/webabc123abc123"],
  ["{{- .Name -}}  {{ .Id }}  \n {{- .Name}}","/webabc123/web"],
  ["a  {{- /* c */ -}}  b","ab"],
  ["{{/* only */}}",""],
  ["{{and .State.Running .Name}} {{or .Nope .Id}} {{not .State.Running}} {{and 0 1}} {{or 0 \"\"}}","/web abc123 false 0 "],
  ["{{eq .State.Pid 42}} {{ne .Name \"x\"}} {{lt 1 2}} {{ge \"b\" \"a\"}} {{eq .State.Pid 1 2 42}}","true true true true true"],
  ["{{eq .Ratio 1}}",{"err":"template: :1:2: executing \"\" at <eq .Ratio 1>: error calling eq: incompatible types for comparison"}],
  ["{{eq .Name 1}}",{"err":"template: :1:2: executing \"\" at <eq .Name 1>: error calling eq: incompatible types for comparison"}],
  ["{{lt true false}}",{"err":"template: :1:2: executing \"\" at <lt true false>: error calling lt: invalid type for comparison"}],
  ["{{.Config.Cmd.X}}",{"err":"template: :1:9: executing \"\" at <.Config.Cmd.X>: nil pointer evaluating interface {}.X"}],
  ["{{.Nope.Deeper}}","<no value>"],
  ["{{index .Config.Env 5}}",{"err":"template: :1:2: executing \"\" at <index .Config.Env 5>: error calling index: index out of range: 5"}],
  ["{{index .Config.Env 1}}","A=1"],
  ["{{index .Nope 1}}",{"err":"template: :1:2: executing \"\" at <index .Nope 1>: error calling index: index of untyped nil"}],
  ["{{index .Config.Labels 1}}",{"err":"template: :1:2: executing \"\" at <index .Config.Labels 1>: error calling index: value has type int; should be string"}],
  ["{{len .State.Pid}}",{"err":"template: :1:2: executing \"\" at <len .State.Pid>: error calling len: len of type int"}],
  ["{{slice .Id 1 3}}","bc"],
  ["{{slice .Config.Env 1}}","[A=1]"],
  ["{{range .State.Pid}}x{{end}}",{"err":"template: :1:14: executing \"\" at <.State.Pid>: range can't iterate over 42"}],
  ["{{range .Name}}x{{end}}",{"err":"template: :1:8: executing \"\" at <.Name>: range can't iterate over /web"}],
  ["{{range .Nope}}x{{end}}",""],
  ["{{.}}","map[Big:1e+21 Config:map[Cmd:<nil> Env:[PATH=/bin A=1] Image:nginx Labels:map[a.b:x com.docker.swarm.service.name:web]] HostConfig:map[Links:<nil> Memory:0 PortBindings:map[80/tcp:[map[HostIp: HostPort:8080]]]] Id:abc123 Mounts:[] Name:/web NetworkSettings:map[Networks:map[bridge:map[Aliases:<nil> Gateway:172.17.0.1 IPAddress:172.17.0.2] net1:map[Aliases:[web abc] Gateway:10.0.1.1 IPAddress:10.0.1.5]] Ports:map[443/tcp:<nil> 80/tcp:[map[HostIp:0.0.0.0 HostPort:8080]]]] Ratio:0.5 State:map[ExitCode:0 Pid:42 Running:true Status:running]]"],
  ["{{.State}}","map[ExitCode:0 Pid:42 Running:true Status:running]"],
  ["{{.Config.Labels}}","map[a.b:x com.docker.swarm.service.name:web]"],
  ["{{\"lit\"}} {{1}} {{true}} {{`raw`}}","lit 1 true raw"],
  ["{{html \"<a>&\"}} {{js \"a'b<\"}} {{urlquery \"a b&c\"}}","&lt;a&gt;&amp; a\\'b\\u003C a+b%26c"],
  ["{{print 1 2 \"a\" \"b\" 3}}","1 2ab3"],
  ["{{println 1 \"a\"}}","1 a\n"],
  ["{{nope}}",{"err":"template: :1: function \"nope\" not defined"}],
  ["{{.Name",{"err":"template: :1: unclosed action"}],
  ["{{if .Name}}x",{"err":"template: :1: unexpected EOF"}],
  ["{{end}}",{"err":"template: :1: unexpected {{end}}"}],
  ["{{else}}",{"err":"template: :1: unexpected {{else}}"}],
  ["{{range .X}}{{else}}{{else}}{{end}}",{"err":"template: :1: expected end; found {{else}}"}],
  ["{{$y}}",{"err":"template: :1: undefined variable \"$y\""}],
  ["{{}}",{"err":"template: :1: missing value for command"}],
  ["{{.Name | \"x\"}}",{"err":"template: :1: non executable command in pipeline stage 2"}],
  ["{{(1)}}","1"],
  ["{{printf}}",{"err":"template: :1:2: executing \"\" at <printf>: wrong number of args for printf: want at least 1 got 0"}],
  ["{{len}}",{"err":"template: :1:2: executing \"\" at <len>: wrong number of args for len: want 1 got 0"}],
  ["{{upper 1}}",{"err":"template: :1:8: executing \"\" at <1>: expected string; found 1"}],
  ["{{join .Config.Labels \",\"}}",{"err":"template: :1:14: executing \"\" at <.Config.Labels>: wrong type for value; expected []string; got map[string]interface {}"}],
  ["{{split .Nope \",\"}}",{"err":"template: :1:8: executing \"\" at <.Nope>: invalid value; expected string"}],
  ["line1\n{{.Nope.X.Y}}\n{{.Config.Cmd.Z}}",{"err":"template: :3:9: executing \"\" at <.Config.Cmd.Z>: nil pointer evaluating interface {}.Z"}],
  ["{{\"a}}b\"}}","a}}b"],
  ["{{.Name \"arg\"}}",{"err":"template: :1:2: executing \"\" at <.Name>: Name is not a method but has arguments"}],
  ["{{with $n := .NetworkSettings.Networks.bridge}}{{$n.Gateway}}{{end}}","172.17.0.1"],
  ["{{range $k, $v := .Config.Labels}}{{$k}}{{end}}{{$k}}",{"err":"template: :1: undefined variable \"$k\""}],
];

function run(tpl: string, data: unknown): string | { err: string } {
  try {
    return goTemplate(tpl, data);
  } catch (e) {
    if (e instanceof TemplateError) return { err: e.message };
    throw e;
  }
}

describe('Go templates (text/template as docker runs them)', () => {
  it.each(CASES)('%s', (tpl, want) => {
    expect(run(tpl, c)).toEqual(want);
  });

  it('follows Go 1.13, which docker 19.03.15 is built with, where 1.19 changed', () => {
    expect(run('{{eq .Nope "x"}}', c)).toEqual({ err: 'template: :1:2: executing "" at <eq .Nope "x">: error calling eq: invalid type for comparison' });
    expect(run('{{len .Nope}}', c)).toEqual({ err: 'template: :1:2: executing "" at <len .Nope>: error calling len: len of untyped nil' });
  });
});
