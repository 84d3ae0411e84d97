using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.PowerShell;

/// <summary>
/// Runs a cmdlet's work on a task while every Write*, progress and verbose call happens on the pipeline thread:
/// the work posts actions here, and <see cref="RunUntilDone"/> plays them back in order.
/// The pipeline thread sleeps on a monitor between posts. (A BlockingCollection spun before every wait, yielding the
/// CPU again and again: about 2,000 sched_yield calls a second during a copy, on a machine the copy already keeps busy.)
/// It wakes the moment the work ends, so a cmdlet's last output is not held back by the progress tick.
/// </summary>
internal sealed class PipelineQueue : IDisposable
{
    private const int TickMilliseconds = 250;
    private readonly Queue<Action> _actions = new();
    private readonly object _gate = new();
    private bool _stopped;

    /// <summary>From any thread. Once the pipeline is stopping, a post is refused loudly rather than lost.</summary>
    public void Post(Action action)
    {
        lock (_gate)
        {
            if (_stopped) throw new PipelineStoppedException();
            _actions.Enqueue(action);
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>The pipeline is stopping: no more posts are taken.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Plays posted actions until the work has ended and nothing is left, calls <paramref name="tick"/> every quarter second, then rethrows the work's failure.</summary>
    public void RunUntilDone(Task work, Action? tick = null)
    {
        var clock = Stopwatch.StartNew();
        long nextTick = 0;
        work.ContinueWith(_ => Wake(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            while (true)
            {
                var done = work.IsCompleted;
                var wait = done ? 0 : tick == null ? TickMilliseconds : (int)Math.Max(1, nextTick - clock.ElapsedMilliseconds);
                if (TryTake(wait, out var action)) action!();
                else if (done) break;
                if (tick != null && clock.ElapsedMilliseconds >= nextTick)
                {
                    nextTick = clock.ElapsedMilliseconds + TickMilliseconds;
                    tick();
                }
            }
        }
        catch
        {
            // The pipeline is stopping (or a write failed): refuse further posts and give the cancelled work a
            // moment to finish its cleanup.
            Stop();
            try { work.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
            throw;
        }
        work.GetAwaiter().GetResult();
    }

    private bool TryTake(int waitMilliseconds, out Action? action)
    {
        lock (_gate)
        {
            if (_actions.Count == 0 && waitMilliseconds > 0) Monitor.Wait(_gate, waitMilliseconds);
            action = _actions.Count > 0 ? _actions.Dequeue() : null;
            return action != null;
        }
    }

    private void Wake()
    {
        lock (_gate) Monitor.PulseAll(_gate);
    }

    public void Dispose() => Stop();
}
