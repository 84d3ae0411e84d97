using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Copy;

/// <summary>
/// Runs one piece of work per key however many callers ask for it at once; every caller awaits the same run. A run
/// that failed is forgotten (only if it is still the recorded one), so a later caller tries afresh instead of
/// inheriting the failure.
/// </summary>
internal sealed class OncePerKey<TKey, TValue> where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<Task<TValue>>> _runs = new();

    /// <summary>The run's value, and whether this caller's own work produced it.</summary>
    public async Task<(TValue Value, bool Mine)> RunAsync(TKey key, Func<Task<TValue>> work)
    {
        var mine = new Lazy<Task<TValue>>(work);
        var run = _runs.GetOrAdd(key, mine);
        try
        {
            return (await run.Value.ConfigureAwait(false), ReferenceEquals(run, mine));
        }
        catch when (ReferenceEquals(run, mine))
        {
            ((ICollection<KeyValuePair<TKey, Lazy<Task<TValue>>>>)_runs).Remove(new KeyValuePair<TKey, Lazy<Task<TValue>>>(key, mine));
            throw;
        }
    }

    /// <summary>The value of a run for <paramref name="key"/> that has already completed well; false for none, or one still running.</summary>
    public bool TryGetCompleted(TKey key, out TValue value)
    {
        if (_runs.TryGetValue(key, out var run) && run.IsValueCreated && run.Value.Status == TaskStatus.RanToCompletion)
        {
            value = run.Value.Result;
            return true;
        }
        value = default!;
        return false;
    }
}
