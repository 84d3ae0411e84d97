using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// The blob downloads one source host carries at once, shared by whole-blob GETs and the parts of ranged fetches. Every
/// blob waits its turn for one connection of its own (<see cref="TakeAsync"/>, first come first served); the extra
/// parts of a large blob take only a connection nobody is waiting for (<see cref="TryTakeSpare"/>). So the big layer
/// fills what the small images leave idle, and a small image never waits behind the big layer's extra parts.
/// </summary>
internal sealed class HostConnectionBudget
{
    // One table of budgets per transport (a session): a host's budget is shared by every client of the session
    // that reads from it, whatever its credential.
    private static readonly ConditionalWeakTable<object, ConcurrentDictionary<string, HostConnectionBudget>> Budgets = new();

    private readonly object _gate = new();
    private readonly Queue<TaskCompletionSource<bool>> _waiting = new();
    private int _free;

    public HostConnectionBudget(int connections) => _free = Math.Max(1, connections);

    public static HostConnectionBudget For(object session, string hostKey, int connections) =>
        Budgets.GetValue(session, _ => new ConcurrentDictionary<string, HostConnectionBudget>(StringComparer.OrdinalIgnoreCase))
            .GetOrAdd(hostKey, _ => new HostConnectionBudget(connections));

    /// <summary>Connections free now (for tests and the log).</summary>
    public int Free
    {
        get { lock (_gate) return _free; }
    }

    /// <summary>A blob's own connection: waits, in order of asking, until one is free.</summary>
    public async Task<IDisposable> TakeAsync(CancellationToken ct)
    {
        TaskCompletionSource<bool> turn;
        lock (_gate)
        {
            if (_free > 0 && _waiting.Count == 0)
            {
                _free--;
                return new Lease(this);
            }
            turn = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(turn);
        }
        using (ct.Register(() => turn.TrySetCanceled()))
        {
            try
            {
                await turn.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Granted in the same instant as cancelled: the connection goes to the next in line.
                if (turn.Task.Status == TaskStatus.RanToCompletion) Release();
                throw;
            }
        }
        return new Lease(this);
    }

    /// <summary>A connection for an extra part: only one that is free and that no blob is waiting for; else null.</summary>
    public IDisposable? TryTakeSpare()
    {
        lock (_gate)
        {
            if (_free == 0 || _waiting.Count > 0) return null;
            _free--;
            return new Lease(this);
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            // Handed straight to the first waiter still waiting; a cancelled waiter is skipped.
            while (_waiting.Count > 0)
                if (_waiting.Dequeue().TrySetResult(true)) return;
            _free++;
        }
    }

    private sealed class Lease : IDisposable
    {
        private HostConnectionBudget? _budget;

        public Lease(HostConnectionBudget budget) => _budget = budget;

        public void Dispose() => Interlocked.Exchange(ref _budget, null)?.Release();
    }
}
