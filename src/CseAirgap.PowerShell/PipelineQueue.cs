using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading.Tasks;

namespace CseAirgap.PowerShell;

/// <summary>
/// Runs a cmdlet's work on a task while every Write*, progress and verbose call happens on the pipeline thread:
/// the work posts actions here, and <see cref="RunUntilDone"/> plays them back in order.
/// </summary>
internal sealed class PipelineQueue : IDisposable
{
    private readonly BlockingCollection<Action> _actions = new();
    private volatile bool _stopped;

    /// <summary>From any thread. Once the pipeline is stopping, a post is refused loudly rather than lost.</summary>
    public void Post(Action action)
    {
        if (_stopped) throw new PipelineStoppedException();
        try
        {
            _actions.Add(action);
        }
        catch (Exception e) when (e is InvalidOperationException || e is ObjectDisposedException)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>The pipeline is stopping: no more posts are taken.</summary>
    public void Stop() => _stopped = true;

    /// <summary>Plays posted actions until the work has ended and nothing is left, calls <paramref name="tick"/> every quarter second, then rethrows the work's failure.</summary>
    public void RunUntilDone(Task work, Action? tick = null)
    {
        var clock = Stopwatch.StartNew();
        long nextTick = 0;
        try
        {
            while (true)
            {
                var done = work.IsCompleted;
                if (_actions.TryTake(out var action, done ? 0 : 50)) action();
                else if (done) break;
                if (tick != null && clock.ElapsedMilliseconds >= nextTick)
                {
                    nextTick = clock.ElapsedMilliseconds + 250;
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

    public void Dispose()
    {
        Stop();
        _actions.Dispose();
    }
}
