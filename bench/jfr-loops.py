#!/usr/bin/env python3
"""Where the event loops' samples go in JFR recordings of a fan-out (bench/jar-round.sh JFR=1): the share of
event-loop ExecutionSamples serving the fan-out (a gateway frame on the stack) and the REST publishes (HTTP, API,
channel state), and the inclusive share of the fan-out's main sites, one column per recording.
    bench/jfr-loops.py A.jfr B.jfr ..."""
import collections, json, subprocess, sys

SITES = ['ChannelFeed.deliver', 'WebSocketChannel.writeNow', 'WebSocketChannel.flush', 'WebSocket08FrameEncoder.encode',
         'MessageToMessageEncoder.write', 'AbstractChannelHandlerContext.findContextOutbound',
         'AdaptivePoolingAllocator.allocate', 'List.copyOf', 'DefaultPromise.notifyListeners', 'NioSocketChannel.doWrite',
         'HttpApiEndpoint.serve']
PUBLISH = ('io/mws/api/', 'io/mws/channels/', 'io/vertx/ext/web/', 'Http1xServer', 'HttpServerRequest', 'io/mws/server/')


def loop_samples(path):
    out = subprocess.run(['jfr', 'print', '--json', '--stack-depth', '64', '--events', 'jdk.ExecutionSample', path],
                         capture_output=True, text=True, check=True).stdout
    for event in json.loads(out)['recording']['events']:
        if 'eventloop' in (event['values']['sampledThread'].get('javaName') or ''):
            trace = event['values']['stackTrace']
            yield [f['method']['type']['name'] + '.' + f['method']['name'] for f in (trace['frames'] if trace else [])]


columns = []
for path in sys.argv[1:]:
    kinds, sites, n = collections.Counter(), collections.Counter(), 0
    for frames in loop_samples(path):
        n += 1
        joined = ' '.join(frames)
        kinds['REST publish' if any(k in joined for k in PUBLISH) else 'fan-out' if 'io/mws/gateway/' in joined
              else 'other'] += 1
        short = {f.split('/')[-1] for f in frames}
        for site in SITES:
            if site in short: sites[site] += 1
    columns.append((n, kinds, sites))
print('| event-loop samples | ' + ' | '.join(sys.argv[1:]) + ' |')
print('|---|' + '---|' * len(columns))
print('| samples | ' + ' | '.join(str(n) for n, _, _ in columns) + ' |')
for row, key in [('serving the fan-out', 'fan-out'), ('serving REST publishes', 'REST publish'), ('other', 'other')]:
    print(f'| {row} | ' + ' | '.join(f'{100 * k[key] / max(n, 1):.1f} %' for n, k, _ in columns) + ' |')
for site in SITES:
    print(f'| `{site}` | ' + ' | '.join(f'{100 * s[site] / max(n, 1):.1f} %' for n, _, s in columns) + ' |')
