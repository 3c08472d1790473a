// Shell completion scripts for bash and zsh, generated from a description of
// a CLI's verbs (both berth and berthctl describe theirs). The scripts are
// static tables plus one small function each; names of containers, pods and
// images come from running the CLI itself (with the global flags typed so
// far, so -H/-r endpoints are honoured).

/** Positional / value kinds: container, running, image, pod, file, dir, none, or w:a,b,c (fixed words). */
export type ArgKind = string;

export interface CompletionVerb {
  /** "run", or "container set" for a sub-verb. */
  path: string;
  flags: string[];
  valueFlags: string[];
  /** "--volume" → "file": what a flag's value completes to (absent: nothing). */
  flagKinds: Record<string, ArgKind>;
  /** Kind of each positional argument; the last repeats. */
  args: ArgKind[];
  /** Sub-verbs (name → summary) when this verb has them. */
  subverbs?: Record<string, string>;
}

export interface CompletionSpec {
  prog: string;
  globalFlags: string[];
  globalValueFlags: string[];
  /** Top-level verbs (name → summary), in display order. */
  verbs: Record<string, string>;
  details: CompletionVerb[];
  /** The CLI arguments that print one name per line, per dynamic kind. */
  dynamic: Partial<Record<'container' | 'running' | 'image' | 'pod', string>>;
}

function fn(prog: string): string {
  return `_${prog.replace(/[^A-Za-z0-9]/g, '_')}`;
}

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The per-verb tables as associative arrays (bash: a[k]=v, where the key is quote-removed; zsh keeps quotes in subscripts, so a+=(k v)). */
function tables(s: CompletionSpec, shell: 'bash' | 'zsh'): string {
  const lines = ['  local -A flags vflags args subs fkinds'];
  const set = (arr: string, key: string, value: string): string => (shell === 'bash' ? `  ${arr}[${q(key)}]=${q(value)}` : `  ${arr}+=(${q(key)} ${q(value)})`);
  for (const v of s.details) {
    lines.push(set('flags', v.path, v.flags.join(' ')));
    lines.push(set('vflags', v.path, v.valueFlags.join(' ')));
    lines.push(set('args', v.path, v.args.join(' ') || 'none'));
    if (v.subverbs) lines.push(set('subs', v.path, Object.keys(v.subverbs).join(' ')));
    for (const [f, k] of Object.entries(v.flagKinds)) lines.push(set('fkinds', `${v.path} ${f}`, k));
  }
  return lines.join('\n');
}

function dynamicCase(s: CompletionSpec, indent: string, emit: (cmd: string) => string): string {
  return Object.entries(s.dynamic)
    .map(([k, args]) => `${indent}${k}) ${emit(`"\${cmd[@]}" ${args} 2>/dev/null`)} ;;`)
    .join('\n');
}

export function bashScript(s: CompletionSpec): string {
  const f = fn(s.prog);
  return `# bash completion for ${s.prog}
# Load it with:  source <(${s.prog} completion bash)
# or install it: ${s.prog} completion bash > /etc/bash_completion.d/${s.prog}
${f}_kind() {
  local kind=$1 cur=$2; shift 2
  local -a cmd=("$@")
  case $kind in
${dynamicCase(s, '    ', (c) => `COMPREPLY=( $(compgen -W "$(${c})" -- "$cur") )`)}
    file) COMPREPLY=( $(compgen -f -- "$cur") ) ;;
    dir) COMPREPLY=( $(compgen -d -- "$cur") ) ;;
    w:*) COMPREPLY=( $(compgen -W "$(echo "\${kind#w:}" | tr , ' ')" -- "$cur") ) ;;
    *) COMPREPLY=() ;;
  esac
}

${f}() {
${tables(s, 'bash')}
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local -a cmd=("\${COMP_WORDS[0]}")
  local i=1 verb='' w
  while (( i < COMP_CWORD )); do
    w=\${COMP_WORDS[i]}
    case " ${s.globalValueFlags.join(' ')} " in
      *" $w "*) cmd+=("$w" "\${COMP_WORDS[i+1]}"); (( i += 2 )); continue ;;
    esac
    if [[ $w == -* ]]; then (( i++ )); continue; fi
    verb=$w; break
  done
  if [[ -z $verb ]]; then
    if [[ " ${s.globalValueFlags.join(' ')} " == *" $prev "* ]]; then COMPREPLY=(); return; fi
    if [[ $cur == -* ]]; then COMPREPLY=( $(compgen -W ${q(s.globalFlags.join(' '))} -- "$cur") )
    else COMPREPLY=( $(compgen -W ${q(Object.keys(s.verbs).join(' '))} -- "$cur") ); fi
    return
  fi
  if [[ -n \${subs[$verb]} ]]; then
    (( i++ ))
    if (( i >= COMP_CWORD )); then COMPREPLY=( $(compgen -W "\${subs[$verb]}" -- "$cur") ); return; fi
    verb="$verb \${COMP_WORDS[i]}"
  fi
  [[ -n \${args[$verb]+x} ]] || return
  if [[ " \${vflags[$verb]} " == *" $prev "* ]]; then ${f}_kind "\${fkinds[$verb $prev]:-none}" "$cur" "\${cmd[@]}"; return; fi
  if [[ $cur == -* ]]; then COMPREPLY=( $(compgen -W "\${flags[$verb]}" -- "$cur") ); return; fi
  local n=0 j
  for (( j=i+1; j<COMP_CWORD; j++ )); do
    w=\${COMP_WORDS[j]}
    if [[ " \${vflags[$verb]} " == *" $w "* ]]; then (( j++ )); continue; fi
    [[ $w == -* ]] || (( n++ ))
  done
  local -a kinds=( \${args[$verb]} )
  local kind=\${kinds[n]:-\${kinds[-1]}}
  ${f}_kind "$kind" "$cur" "\${cmd[@]}"
}
complete -F ${f} ${s.prog}
`;
}

export function zshScript(s: CompletionSpec): string {
  const f = fn(s.prog);
  const verbList = Object.entries(s.verbs).map(([n, d]) => `    ${q(`${n}:${d}`)}`).join('\n');
  const subLists = s.details
    .filter((v) => v.subverbs)
    .map((v) => `  subdesc+=(${q(v.path)} ${q(Object.entries(v.subverbs ?? {}).map(([n, d]) => `${n}:${d}`).join('\n'))})`)
    .join('\n');
  return `#compdef ${s.prog}
# zsh completion for ${s.prog}
# Load it with:  source <(${s.prog} completion zsh)
# or install it: ${s.prog} completion zsh > "\${fpath[1]}/_${s.prog}"
${f}_kind() {
  local kind=$1; shift
  local -a cmd=("$@")
  case $kind in
${dynamicCase(s, '    ', (c) => `compadd -- \${(f)"$(${c})"}`)}
    file) _files ;;
    dir) _files -/ ;;
    w:*) compadd -- \${(s:,:)kind#w:} ;;
    *) return 1 ;;
  esac
}

${f}() {
${tables(s, 'zsh')}
  local -A subdesc
${subLists}
  local -a verbs=(
${verbList}
  )
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]}
  local -a cmd=(\${words[1]})
  local i=2 verb='' w
  while (( i < CURRENT )); do
    w=\${words[i]}
    if [[ " ${s.globalValueFlags.join(' ')} " == *" $w "* ]]; then cmd+=("$w" "\${words[i+1]}"); (( i += 2 )); continue; fi
    if [[ $w == -* ]]; then (( i++ )); continue; fi
    verb=$w; break
  done
  if [[ -z $verb ]]; then
    if [[ " ${s.globalValueFlags.join(' ')} " == *" $prev "* ]]; then return 1; fi
    if [[ $cur == -* ]]; then compadd -- ${s.globalFlags.join(' ')}; else _describe 'command' verbs; fi
    return
  fi
  if [[ -n \${subs[$verb]} ]]; then
    (( i++ ))
    if (( i >= CURRENT )); then local -a sv=(\${(f)subdesc[$verb]}); _describe 'subcommand' sv; return; fi
    verb="$verb \${words[i]}"
  fi
  (( \${+args[$verb]} )) || return 1
  if [[ " \${vflags[$verb]} " == *" $prev "* ]]; then ${f}_kind "\${fkinds[$verb $prev]:-none}" "\${cmd[@]}"; return; fi
  if [[ $cur == -* ]]; then compadd -- \${=flags[$verb]}; return; fi
  local n=0 j
  for (( j=i+1; j<CURRENT; j++ )); do
    w=\${words[j]}
    if [[ " \${vflags[$verb]} " == *" $w "* ]]; then (( j++ )); continue; fi
    [[ $w == -* ]] || (( n++ ))
  done
  local -a kinds=(\${=args[$verb]})
  local kind=\${kinds[n+1]:-\${kinds[-1]}}
  ${f}_kind "$kind" "\${cmd[@]}"
}
compdef ${f} ${s.prog}
`;
}

/** Flags from a crictl-style help text ("  --last value, -n value   Show …"): all, and those taking a value. */
export function flagsFromUsage(usage: string): { flags: string[]; valueFlags: string[] } {
  const flags: string[] = [];
  const valueFlags: string[] = [];
  for (const line of usage.split('\n')) {
    const m = /^\s+(--?[A-Za-z][\w-]*.*?)(?:\s{2,}|$)/.exec(line);
    if (!m) continue;
    for (const part of (m[1] as string).split(/,\s*/)) {
      const [name, value] = part.trim().split(/\s+/);
      if (!name || !/^--?[A-Za-z][\w-]*$/.test(name)) continue;
      flags.push(name);
      if (value !== undefined) valueFlags.push(name);
    }
  }
  return { flags: [...new Set(flags)], valueFlags: [...new Set(valueFlags)] };
}
