// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation in the two arenas of rax_arena_sect.S, and writes into the
 * text arena.  Module text is mapped read-only, and vmalloc'd memory is
 * never executable on 6.1, so code is copied through a short-lived
 * writable alias of the arena's pages.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "rax_internal.h"

extern char rax_text_arena[];
extern char rax_data_arena[];

struct rax_arena rax_text = { .name = "text" };
struct rax_arena rax_data = { .name = "data" };

static int rax_arena_setup(struct rax_arena *a, void *base, size_t size)
{
	a->base = (unsigned long)base;
	a->size = size;
	a->nbits = size / RAX_ARENA_GRAIN;
	a->used = 0;
	mutex_init(&a->lock);
	a->bitmap = bitmap_zalloc(a->nbits, GFP_KERNEL);
	return a->bitmap ? 0 : -ENOMEM;
}

unsigned long rax_arena_alloc(struct rax_arena *a, size_t size, size_t align)
{
	unsigned long nr, start, align_mask;

	if (!size || size > a->size)
		return 0;
	if (align < RAX_ARENA_GRAIN)
		align = RAX_ARENA_GRAIN;
	if (align > PAGE_SIZE || !is_power_of_2(align))
		return 0;
	nr = DIV_ROUND_UP(size, RAX_ARENA_GRAIN);
	align_mask = align / RAX_ARENA_GRAIN - 1;

	mutex_lock(&a->lock);
	start = bitmap_find_next_zero_area(a->bitmap, a->nbits, 0, nr, align_mask);
	if (start >= a->nbits) {
		mutex_unlock(&a->lock);
		return 0;
	}
	bitmap_set(a->bitmap, start, nr);
	a->used += nr * RAX_ARENA_GRAIN;
	mutex_unlock(&a->lock);
	return a->base + start * RAX_ARENA_GRAIN;
}

void rax_arena_free(struct rax_arena *a, unsigned long addr, size_t size)
{
	unsigned long nr = DIV_ROUND_UP(size, RAX_ARENA_GRAIN);
	unsigned long start;

	if (!addr || !size)
		return;
	if (WARN_ON_ONCE(addr < a->base || addr - a->base + nr * RAX_ARENA_GRAIN > a->size))
		return;
	start = (addr - a->base) / RAX_ARENA_GRAIN;
	mutex_lock(&a->lock);
	bitmap_clear(a->bitmap, start, nr);
	a->used -= nr * RAX_ARENA_GRAIN;
	mutex_unlock(&a->lock);
}

static void rax_sync_core(void *unused)
{
	/* The IPI's return from interrupt serializes this CPU. */
}

/*
 * Map the pages behind [dst, dst + len) of the text arena writable at a
 * temporary address, let fn write them, and drop the alias again.
 */
static int rax_text_patch(unsigned long dst, size_t len,
			  void (*fn)(void *alias, const void *arg, size_t len),
			  const void *arg)
{
	unsigned long first = dst & PAGE_MASK;
	unsigned int nr = (PAGE_ALIGN(dst + len) - first) >> PAGE_SHIFT;
	struct page **pages;
	unsigned int i;
	void *alias;

	if (!len)
		return 0;
	if (dst < rax_text.base || len > rax_text.size ||
	    dst - rax_text.base > rax_text.size - len)
		return -EINVAL;

	pages = kcalloc(nr, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		pages[i] = vmalloc_to_page((void *)(first + i * PAGE_SIZE));
		if (!pages[i]) {
			kfree(pages);
			return -EFAULT;
		}
	}
	alias = vmap(pages, nr, VM_MAP, PAGE_KERNEL);
	kfree(pages);
	if (!alias)
		return -ENOMEM;
	fn(alias + (dst - first), arg, len);
	vunmap(alias);
	/* No stale writable TLB entry may outlive this call. */
	vm_unmap_aliases();
	on_each_cpu(rax_sync_core, NULL, 1);
	return 0;
}

static void rax_copy_fn(void *alias, const void *src, size_t len)
{
	memcpy(alias, src, len);
}

static void rax_fill_fn(void *alias, const void *byte, size_t len)
{
	memset(alias, *(const u8 *)byte, len);
}

int rax_text_write(unsigned long dst, const void *src, size_t len)
{
	return rax_text_patch(dst, len, rax_copy_fn, src);
}

int rax_text_fill(unsigned long dst, u8 byte, size_t len)
{
	return rax_text_patch(dst, len, rax_fill_fn, &byte);
}

int rax_arena_init(void)
{
	int err;

	err = rax_arena_setup(&rax_text, rax_text_arena, RAX_TEXT_ARENA_SIZE);
	if (err)
		return err;
	err = rax_arena_setup(&rax_data, rax_data_arena, RAX_DATA_ARENA_SIZE);
	if (err) {
		bitmap_free(rax_text.bitmap);
		return err;
	}
	/* Free text is int3: a stray jump into it traps instead of sliding. */
	err = rax_text_fill(rax_text.base, 0xcc, rax_text.size);
	if (err)
		rax_arena_exit();
	return err;
}

void rax_arena_exit(void)
{
	bitmap_free(rax_text.bitmap);
	bitmap_free(rax_data.bitmap);
	rax_text.bitmap = NULL;
	rax_data.bitmap = NULL;
}
