using System;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

public class HostConnectionBudgetTests
{
    [Fact]
    public async Task A_spare_connection_is_refused_while_a_blob_waits_for_its_own()
    {
        var budget = new HostConnectionBudget(2);
        using var first = await budget.TakeAsync(CancellationToken.None);
        var spare = budget.TryTakeSpare();
        Assert.NotNull(spare);
        var waiting = budget.TakeAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        spare!.Dispose();
        // The freed connection went to the waiting blob, not back to the pool for another spare part.
        using var granted = await waiting;
        Assert.Null(budget.TryTakeSpare());
        Assert.Equal(0, budget.Free);
    }

    [Fact]
    public async Task Blobs_are_served_in_the_order_they_asked()
    {
        var budget = new HostConnectionBudget(1);
        var held = await budget.TakeAsync(CancellationToken.None);
        var second = budget.TakeAsync(CancellationToken.None);
        var third = budget.TakeAsync(CancellationToken.None);
        held.Dispose();
        var secondLease = await second;
        Assert.False(third.IsCompleted);
        secondLease.Dispose();
        (await third).Dispose();
        Assert.Equal(1, budget.Free);
    }

    [Fact]
    public async Task A_cancelled_wait_gives_its_turn_to_the_next()
    {
        var budget = new HostConnectionBudget(1);
        var held = await budget.TakeAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = budget.TakeAsync(cancel.Token);
        var next = budget.TakeAsync(CancellationToken.None);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        held.Dispose();
        (await next).Dispose();
        Assert.Equal(1, budget.Free);
    }

    [Fact]
    public async Task A_lease_given_back_twice_frees_one_connection()
    {
        var budget = new HostConnectionBudget(1);
        var lease = await budget.TakeAsync(CancellationToken.None);
        lease.Dispose();
        lease.Dispose();
        Assert.Equal(1, budget.Free);
    }
}
