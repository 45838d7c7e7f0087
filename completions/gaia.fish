# fish completion for gaia. Install: copy to ~/.config/fish/completions/gaia.fish

set -l commands run validate plan serve top version

complete -c gaia -f
complete -c gaia -n "not __fish_seen_subcommand_from $commands" -a run -d 'Run the jobs in the job files once'
complete -c gaia -n "not __fish_seen_subcommand_from $commands" -a validate -d 'Check job files and print every problem'
complete -c gaia -n "not __fish_seen_subcommand_from $commands" -a plan -d 'Print the dependency order and task counts'
complete -c gaia -n "not __fish_seen_subcommand_from $commands" -a serve -d 'Serve the monitoring endpoint and run scheduled jobs'
complete -c gaia -n "not __fish_seen_subcommand_from $commands" -a top -d 'Terminal dashboard of a running gaia serve'
complete -c gaia -n "not __fish_seen_subcommand_from $commands" -a version -d 'Print the version (-v: build facts, component versions)'
complete -c gaia -l version -d 'Print the version'

complete -c gaia -s v -l verbose -d 'More log output'
complete -c gaia -s q -l quiet -d 'Only warnings and errors'
complete -c gaia -l log-format -x -a 'text json' -d 'Log line format'
complete -c gaia -l color -x -a 'auto always never' -d 'Colour output'
complete -c gaia -l var -x -d 'Set a [vars] entry: NAME=VALUE'
complete -c gaia -l env-file -r -F -d 'Read KEY=VALUE lines into the environment (secrets)'

complete -c gaia -n "__fish_seen_subcommand_from run validate plan serve" -F -d 'Job file'
complete -c gaia -n "__fish_seen_subcommand_from run plan" -l only -x -d 'Only this job or tag'
complete -c gaia -n "__fish_seen_subcommand_from validate" -l require-env -d 'An unset env.* variable is an error, as for run'
complete -c gaia -n "__fish_seen_subcommand_from run" -l concurrency -x -d 'Tasks in flight'
complete -c gaia -n "__fish_seen_subcommand_from run" -l fail-fast -d 'Cancel the rest when a job fails'
complete -c gaia -n "__fish_seen_subcommand_from run" -l timeout -x -d 'Deadline of the run'
complete -c gaia -n "__fish_seen_subcommand_from run" -l report-json -r -F -d 'JSON report'
complete -c gaia -n "__fish_seen_subcommand_from run" -l report-junit -r -F -d 'JUnit XML report'
complete -c gaia -n "__fish_seen_subcommand_from run" -l metrics-file -r -F -d 'Prometheus metrics file'
complete -c gaia -n "__fish_seen_subcommand_from run" -l shard -x -d 'Run the K-th of N slices of every fan-out (K/N)'
complete -c gaia -n "__fish_seen_subcommand_from run" -l listen -x -d 'Serve the monitoring endpoints on HOST:PORT while the run lasts'
complete -c gaia -n "__fish_seen_subcommand_from run" -l progress -x -a 'auto always never' -d 'Live progress'
complete -c gaia -n "__fish_seen_subcommand_from serve" -l listen -x -d 'Address of the endpoints (HOST:PORT)'
complete -c gaia -n "__fish_seen_subcommand_from serve" -l token-file -r -F -d 'Bearer token for POST and /debug'
complete -c gaia -n "__fish_seen_subcommand_from serve" -l enable-debug -d 'Serve /debug/ endpoints'
complete -c gaia -n "__fish_seen_subcommand_from serve" -l drain-timeout -x -d 'Time running jobs get on SIGTERM'
complete -c gaia -n "__fish_seen_subcommand_from top" -l url -x -d 'The gaia serve to watch'
complete -c gaia -n "__fish_seen_subcommand_from top" -l interval -x -d 'Time between refreshes'
complete -c gaia -n "__fish_seen_subcommand_from top" -l once -d 'Print one snapshot and exit'
