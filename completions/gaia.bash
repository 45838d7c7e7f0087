# bash completion for gaia                                   -*- shell-script -*-
# Install: copy to /usr/share/bash-completion/completions/gaia (or source it).

_gaia() {
    local cur prev words cword
    _init_completion || return

    local commands="run validate plan serve top report version"
    local common="-v --verbose -q --quiet --log-format --color --var --env-file --help"
    local command="" i
    for ((i = 1; i < cword; i++)); do
        case "${words[i]}" in
            run|validate|plan|serve|top|report|version) command="${words[i]}"; break ;;
        esac
    done

    case "$prev" in
        --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
        --progress) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
        --report-instances) COMPREPLY=($(compgen -W "failed all" -- "$cur")); return ;;
        --report-json|--report-junit|--report-html|-o|--output|--metrics-file|--token-file|--env-file|--lock|--joblog|--resume-failed|--state) _filedir; return ;;
        --artifacts) _filedir -d; return ;;
        --var|--only|--concurrency|--timeout|--shard|--listen|--drain-timeout|--url|--interval|--lock-wait|--heartbeat|--job) return ;;
    esac

    if [[ -z "$command" ]]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "$common --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local options="$common"
    case "$command" in
        run) options="$options --only --concurrency --fail-fast --timeout --report-json --report-instances --report-junit --report-html --junit-instances --joblog --artifacts --quiet-success --resume-failed --heartbeat --metrics-file --progress --shard --listen --lock --lock-wait" ;;
        plan) options="$options --only" ;;
        validate) options="$options --require-env" ;;
        serve) options="$options --listen --token-file --enable-debug --watch --drain-timeout --state --no-state" ;;
        top) COMPREPLY=($(compgen -W "$common --url --interval --once --job" -- "$cur")); return ;;
        report)
            # gaia report merge SHARD.json...: the shards' JSON reports; gaia report html REPORT.json -o FILE.
            if [[ " ${words[*]:1:cword-1} " != *" merge "* && " ${words[*]:1:cword-1} " != *" html "* ]]; then
                COMPREPLY=($(compgen -W "merge html" -- "$cur"))
                return
            fi
            if [[ " ${words[*]:1:cword-1} " == *" html "* ]]; then
                if [[ "$cur" == -* ]]; then
                    COMPREPLY=($(compgen -W "$common -o --output" -- "$cur"))
                else
                    _filedir json
                fi
                return
            fi
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "$common --report-json --report-junit --report-html --junit-instances --metrics-file" -- "$cur"))
            else
                _filedir json
            fi
            return ;;
        version) COMPREPLY=($(compgen -W "$common" -- "$cur")); return ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    else
        _filedir toml
    fi
} &&
    complete -F _gaia gaia
