// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Hardware exceptions in program code.  While objects are loaded,
 * SIGSEGV, SIGBUS, SIGILL and SIGFPE go through this handler (on the
 * thread's alternate signal stack, so a run that hit its stack's guard
 * page is handled too).  A fault raised by program code, outside any
 * helper, ends the run through the abort path with RAX_ABORT_FAULT; any
 * other fault goes to the handler installed before ours, or gets its
 * default meaning, so the host application and sanitizers keep working.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "librax_internal.h"
#include "runtime_inproc.h"

#define RAX_ALTSTACK_SIZE (64u * 1024u)

static const int rax_fault_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
#define RAX_FAULT_SIGNAL_CNT (sizeof(rax_fault_signals) / sizeof(rax_fault_signals[0]))
static struct sigaction rax_fault_prev[RAX_FAULT_SIGNAL_CNT];
static bool rax_faults_installed;

void rax_redirect_to_abort(void *ucv, struct rax_run_level *lvl, __u32 cause)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;

	/* On return from the handler: rax_abort_on_stack(stack_top, cause, NULL). */
	g[REG_RIP] = (greg_t)(uintptr_t)rax_abort_on_stack;
	g[REG_RDI] = (greg_t)(uintptr_t)lvl->stack_top;
	g[REG_RSI] = (greg_t)cause;
	g[REG_RDX] = 0;
	g[REG_RSP] = (greg_t)((uintptr_t)lvl->stack_top - 8);
	g[REG_EFL] &= ~(greg_t)0x400;	/* DF clear, as the ABI wants at a call */
}

static int rax_fault_index(int sig)
{
	size_t i;

	for (i = 0; i < RAX_FAULT_SIGNAL_CNT; i++) {
		if (rax_fault_signals[i] == sig)
			return (int)i;
	}
	return -1;
}

/* Not ours: behave as if we had never been installed. */
static void rax_fault_chain(int sig, siginfo_t *si, void *uc)
{
	int idx = rax_fault_index(sig);
	const struct sigaction *prev = idx >= 0 ? &rax_fault_prev[idx] : NULL;

	if (prev && (prev->sa_flags & SA_SIGINFO) && prev->sa_sigaction) {
		prev->sa_sigaction(sig, si, uc);
		return;
	}
	if (prev && prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
		prev->sa_handler(sig);
		return;
	}
	if (prev && prev->sa_handler == SIG_IGN && si->si_code <= 0)
		return;	/* an ignored signal sent by kill() */
	/*
	 * Default action: a real fault re-executes the instruction and
	 * faults again without us; a sent signal is raised again.
	 */
	signal(sig, SIG_DFL);
	if (si->si_code <= 0)
		raise(sig);
}

static void rax_fault_handler(int sig, siginfo_t *si, void *uc)
{
	struct rax_thread *t = &rax_thread;
	__u32 depth = t->depth;

	if (depth && si->si_code > 0) {
		struct rax_run_level *lvl = &t->level[depth - 1];
		__u64 pc = (__u64)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];

		if (t->helper_depth == lvl->helper_base && rax_inproc_pc_in_prog(lvl->prog, pc)) {
			rax_redirect_to_abort(uc, lvl, RAX_ABORT_FAULT);
			return;
		}
	}
	rax_fault_chain(sig, si, uc);
}

int rax_faults_install(void)
{
	struct sigaction sa;
	size_t i;

	if (rax_faults_installed)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = rax_fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < RAX_FAULT_SIGNAL_CNT; i++) {
		if (sigaction(rax_fault_signals[i], &sa, &rax_fault_prev[i])) {
			int err = -errno;

			while (i--)
				sigaction(rax_fault_signals[i], &rax_fault_prev[i], NULL);
			return err;
		}
	}
	rax_faults_installed = true;
	return 0;
}

void rax_faults_uninstall(void)
{
	size_t i;

	if (!rax_faults_installed)
		return;
	for (i = 0; i < RAX_FAULT_SIGNAL_CNT; i++) {
		struct sigaction cur;

		/* Someone installed over us: leave theirs (it may chain to ours). */
		if (sigaction(rax_fault_signals[i], NULL, &cur) ||
		    !(cur.sa_flags & SA_SIGINFO) || cur.sa_sigaction != rax_fault_handler)
			continue;
		sigaction(rax_fault_signals[i], &rax_fault_prev[i], NULL);
	}
	rax_faults_installed = false;
}

int rax_altstack_ensure(struct rax_thread *t)
{
	stack_t cur, ss;
	void *mem;

	if (sigaltstack(NULL, &cur))
		return -errno;
	if (!(cur.ss_flags & SS_DISABLE))
		return 0;	/* the application's own */
	mem = mmap(NULL, RAX_ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = mem;
	ss.ss_size = RAX_ALTSTACK_SIZE;
	if (sigaltstack(&ss, NULL)) {
		int err = -errno;

		munmap(mem, RAX_ALTSTACK_SIZE);
		return err;
	}
	t->altstack = mem;
	t->altstack_size = RAX_ALTSTACK_SIZE;
	return 0;
}

void rax_altstack_release(struct rax_thread *t)
{
	stack_t cur, off;

	if (!t->altstack)
		return;
	/* Only unmap it once it is certainly no longer the thread's. */
	if (sigaltstack(NULL, &cur))
		return;
	if (cur.ss_sp == t->altstack && !(cur.ss_flags & SS_DISABLE)) {
		memset(&off, 0, sizeof(off));
		off.ss_flags = SS_DISABLE;
		if (sigaltstack(&off, NULL))
			return;	/* keep the mapping rather than risk it */
	}
	munmap(t->altstack, t->altstack_size);
	t->altstack = NULL;
}
