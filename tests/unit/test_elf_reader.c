// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the ELF reader (lib/elf_reader.c) and the helper table,
 * on objects assembled from tests/unit/objs/ and on corrupted copies.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "librax_internal.h"
#include "unit_util.h"

static const struct rax_elf_section *sec_by_name(const struct rax_elf *e,
						 const char *name)
{
	size_t i;

	for (i = 0; i < e->sec_cnt; i++) {
		if (strcmp(e->secs[i].name, name) == 0)
			return &e->secs[i];
	}
	return NULL;
}

static const struct rax_elf_symbol *sym_by_name(const struct rax_elf *e,
						const char *name)
{
	size_t i;

	for (i = 0; i < e->sym_cnt; i++) {
		if (strcmp(e->syms[i].name, name) == 0)
			return &e->syms[i];
	}
	return NULL;
}

/* File offset of a section's contents inside the image the reader copied. */
static size_t sec_file_off(const struct rax_elf *e,
			   const struct rax_elf_section *sec)
{
	return sec->data - e->image;
}

static void test_good_object(void **state)
{
	struct rax_elf e;
	const struct rax_elf_section *xdp, *kprobe, *text, *sec;
	const struct rax_elf_symbol *sym;
	struct rax_abi_layout expected;
	size_t size, i, n_rex = 0, n_gotpcrel = 0, n_abs64 = 0;
	bool found = false;
	void *buf = test_obj_read("good.o", &size);

	(void)state;
	assert_int_equal(rax_elf_open(&e, buf, size), 0);

	xdp = sec_by_name(&e, "xdp");
	kprobe = sec_by_name(&e, "kprobe/do_sys_open");
	text = sec_by_name(&e, ".text");
	assert_non_null(xdp);
	assert_non_null(kprobe);
	assert_non_null(text);

	/* What is placed in the runtime image and what is metadata. */
	assert_true(xdp->loaded);
	assert_true(kprobe->loaded);
	assert_true(text->loaded);
	assert_true(sec_by_name(&e, ".rodata")->loaded);
	assert_true(sec_by_name(&e, ".data.rel.ro")->loaded);
	assert_true(sec_by_name(&e, ".maps")->loaded);
	sec = sec_by_name(&e, ".bss");
	assert_true(sec->loaded);
	assert_null(sec->data);
	assert_int_equal(sec->size, 8);
	assert_false(sec_by_name(&e, ".rax.abi")->loaded);
	assert_false(sec_by_name(&e, ".rax.meta")->loaded);
	assert_false(sec_by_name(&e, "license")->loaded);
	assert_false(sec_by_name(&e, "__patchable_function_entries")->loaded);
	assert_false(sec_by_name(&e, ".stack_sizes")->loaded);
	assert_false(sec_by_name(&e, ".debug_info")->loaded);
	assert_false(sec_by_name(&e, ".comment")->loaded);

	assert_int_equal(e.maps_shndx, sec_by_name(&e, ".maps")->index);
	assert_int_equal(e.stack_sizes_shndx,
			 sec_by_name(&e, ".stack_sizes")->index);

	/* Imports: distinct names, each symbol pointing at its name. */
	assert_int_equal(e.import_cnt, 2);
	sym = sym_by_name(&e, "rax_map_lookup_elem");
	assert_non_null(sym);
	assert_int_equal(sym->shndx, SHN_UNDEF);
	assert_true(sym->import_idx >= 0);
	assert_string_equal(e.imports[sym->import_idx], "rax_map_lookup_elem");
	sym = sym_by_name(&e, "rax_ktime_get_ns");
	assert_non_null(sym);
	assert_string_equal(e.imports[sym->import_idx], "rax_ktime_get_ns");
	assert_int_equal(sym_by_name(&e, "xdp_count")->import_idx, -1);

	/* Symbols are section-relative. */
	sym = sym_by_name(&e, "events");
	assert_int_equal(sym->shndx, e.maps_shndx);
	assert_int_equal(sym->value, 32);	/* second 32-byte definition */
	assert_int_equal(sym->type, STT_OBJECT);
	sym = sym_by_name(&e, "kprobe_open");
	assert_int_equal(sym->shndx, kprobe->index);
	assert_int_equal(sym->type, STT_FUNC);
	assert_int_equal(sym->bind, STB_GLOBAL);

	/*
	 * Relocations of loaded sections only (good.S: 4 in xdp, 4 in
	 * kprobe, 1 in .text, 2 in .data.rel.ro); the debug info's
	 * R_X86_64_32 is not among them.
	 */
	assert_int_equal(e.reloc_cnt, 11);
	for (i = 0; i < e.reloc_cnt; i++) {
		const struct rax_elf_reloc *r = &e.relocs[i];

		assert_true(e.secs[r->target_shndx].loaded);
		assert_true(r->sym < e.sym_cnt);
		n_rex += r->type == R_X86_64_REX_GOTPCRELX;
		n_gotpcrel += r->type == R_X86_64_GOTPCREL;
		n_abs64 += r->type == R_X86_64_64;
		/* movq counts@GOTPCREL: 5 (pad) + 1 + 3 + 4 bytes, then the
		 * opcode's 3 bytes: the displacement is at 0x10. */
		if (r->target_shndx == xdp->index && r->offset == 0x10) {
			assert_int_equal(r->type, R_X86_64_REX_GOTPCRELX);
			assert_string_equal(e.syms[r->sym].name, "counts");
			assert_int_equal(r->addend, -4);
			found = true;
		}
	}
	assert_true(found);
	assert_int_equal(n_rex, 1);
	assert_int_equal(n_gotpcrel, 1);
	assert_int_equal(n_abs64, 2);

	/* One patchable entry per function, at its first byte. */
	assert_int_equal(e.patch_site_cnt, 3);
	for (i = 0; i < e.patch_site_cnt; i++) {
		__u32 shndx = e.patch_sites[i].shndx;

		assert_true(shndx == xdp->index || shndx == kprobe->index ||
			    shndx == text->index);
		assert_int_equal(e.patch_sites[i].offset, 0);
	}

	/* Metadata. */
	assert_true(e.has_meta);
	assert_int_equal(e.meta.abi_version, 1);
	assert_string_equal(rax_elf_meta_get(&e, "crate"), "demo");
	assert_string_equal(rax_elf_meta_get(&e, "crate_version"), "0.1.0");
	assert_string_equal(rax_elf_meta_get(&e, "rustc"), "1.96.0");
	assert_string_equal(rax_elf_meta_get(&e, "policy"), "test");
	assert_null(rax_elf_meta_get(&e, "crat"));
	assert_null(rax_elf_meta_get(&e, "cargo"));

	/* good.S carries the layout computed by hand from abi.h. */
	assert_true(e.has_abi);
	rax_abi_layout_expected(&expected);
	assert_memory_equal(&e.abi, &expected, sizeof(expected));

	assert_non_null(e.license);
	assert_string_equal(e.license, "GPL");

	rax_elf_close(&e);
	free(buf);
}

/* The same object after `ld -r`, the way raxtool build makes objects. */
static void test_good_object_after_ld_r(void **state)
{
	struct rax_elf e;
	size_t size;
	void *buf;
	const char *dir = getenv("RAX_TEST_OBJDIR");
	char path[4096];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/good_ldr.o", dir ? dir : ".");
	f = fopen(path, "rb");
	if (!f)
		skip();
	fclose(f);
	buf = test_obj_read("good_ldr.o", &size);
	assert_int_equal(rax_elf_open(&e, buf, size), 0);
	assert_int_equal(e.import_cnt, 2);
	assert_int_equal(e.reloc_cnt, 11);
	assert_int_equal(e.patch_site_cnt, 3);
	assert_true(e.has_meta && e.has_abi && e.license);
	rax_elf_close(&e);
	free(buf);
}

static void test_missing_metadata_is_not_an_error(void **state)
{
	struct rax_elf e;
	size_t size;
	void *buf = test_obj_read("bad_prog_object.o", &size);

	(void)state;
	assert_int_equal(rax_elf_open(&e, buf, size), 0);
	assert_false(e.has_meta);
	assert_false(e.has_abi);
	assert_null(e.license);
	assert_int_equal(e.maps_shndx, -1);
	assert_int_equal(e.stack_sizes_shndx, -1);
	assert_null(rax_elf_meta_get(&e, "crate"));
	rax_elf_close(&e);
	free(buf);
}

static void test_forbidden_import(void **state)
{
	struct rax_elf e;
	size_t size;
	void *buf = test_obj_read("bad_import.o", &size);

	(void)state;
	test_log_reset();
	assert_int_equal(rax_elf_open(&e, buf, size), -EINVAL);
	assert_non_null(strstr(test_log,
			       "import 'commit_creds' is not a Rax helper"));
	free(buf);
}

static void test_reloc_32s_in_text(void **state)
{
	struct rax_elf e;
	size_t size;
	void *buf = test_obj_read("bad_reloc32s.o", &size);

	(void)state;
	test_log_reset();
	assert_int_equal(rax_elf_open(&e, buf, size), -EINVAL);
	assert_non_null(strstr(test_log, "R_X86_64_32S"));
	assert_non_null(strstr(test_log, "'.text'"));
	free(buf);
}

static void test_not_elf(void **state)
{
	static const char text[] = "this is not an ELF object at all, honestly";
	unsigned char elf32[sizeof(Elf64_Ehdr)] = { 0 };
	struct rax_elf e;

	(void)state;
	assert_int_equal(rax_elf_open(&e, text, sizeof(text)), -ENOEXEC);
	assert_int_equal(rax_elf_open(&e, text, 0), -ENOEXEC);
	memcpy(elf32, ELFMAG, SELFMAG);
	elf32[EI_CLASS] = ELFCLASS32;
	elf32[EI_DATA] = ELFDATA2LSB;
	assert_int_equal(rax_elf_open(&e, elf32, sizeof(elf32)), -ENOEXEC);
}

/* An executable (not ET_REL) is not a Rax object. */
static void test_not_relocatable(void **state)
{
	struct rax_elf e;
	size_t size;
	unsigned char *buf = test_obj_read("good.o", &size);
	Elf64_Half type = ET_EXEC;

	(void)state;
	memcpy(buf + offsetof(Elf64_Ehdr, e_type), &type, sizeof(type));
	assert_int_equal(rax_elf_open(&e, buf, size), -ENOEXEC);
	free(buf);
}

/* Every proper prefix of a valid object is refused, never read past. */
static void test_truncated(void **state)
{
	struct rax_elf e;
	size_t size, len;
	unsigned char *buf = test_obj_read("good.o", &size);

	(void)state;
	librax_set_print(NULL);
	for (len = 0; len < size; len++) {
		/* An exact-size copy so a sanitizer sees any overread. */
		unsigned char *prefix = malloc(len ? len : 1);

		memcpy(prefix, buf, len);
		if (rax_elf_open(&e, prefix, len) == 0) {
			rax_elf_close(&e);
			fail_msg("a %zu-byte prefix of a %zu-byte object was accepted",
				 len, size);
		}
		free(prefix);
	}
	free(buf);
}

/* Patches the first relocation of section "xdp" and expects a refusal. */
static void check_bad_xdp_reloc(__u64 r_offset, __u64 r_info, bool set_info)
{
	const struct rax_elf_section *rela;
	struct rax_elf e;
	size_t size, off;
	unsigned char *buf = test_obj_read("good.o", &size);

	assert_int_equal(rax_elf_open(&e, buf, size), 0);
	rela = sec_by_name(&e, ".relaxdp");
	assert_non_null(rela);
	off = sec_file_off(&e, rela);
	rax_elf_close(&e);

	if (set_info)
		memcpy(buf + off + offsetof(Elf64_Rela, r_info), &r_info,
		       sizeof(r_info));
	else
		memcpy(buf + off + offsetof(Elf64_Rela, r_offset), &r_offset,
		       sizeof(r_offset));
	test_log_reset();
	assert_int_equal(rax_elf_open(&e, buf, size), -EINVAL);
	free(buf);
}

static void test_reloc_offset_out_of_bounds(void **state)
{
	struct rax_elf e;
	size_t size;
	void *buf = test_obj_read("good.o", &size);
	__u64 xdp_size;

	(void)state;
	assert_int_equal(rax_elf_open(&e, buf, size), 0);
	xdp_size = sec_by_name(&e, "xdp")->size;
	rax_elf_close(&e);
	free(buf);

	/* A 4-byte field straddling the end, and a far-away offset. */
	check_bad_xdp_reloc(xdp_size - 2, 0, false);
	assert_non_null(strstr(test_log, "out of bounds"));
	check_bad_xdp_reloc(~0ull - 1, 0, false);
	check_bad_xdp_reloc(xdp_size, 0, false);
}

static void test_reloc_symbol_out_of_bounds(void **state)
{
	(void)state;
	check_bad_xdp_reloc(0, ELF64_R_INFO(0xffffff, R_X86_64_PC32), true);
	assert_non_null(strstr(test_log, "out of bounds"));
	/* Type 0 (R_X86_64_NONE) is not in the allowlist either. */
	check_bad_xdp_reloc(0, ELF64_R_INFO(1, R_X86_64_NONE), true);
	assert_non_null(strstr(test_log, "R_X86_64_NONE"));
}

/* Patches one field of section @name's header. */
static void patch_shdr(unsigned char *buf, size_t size, const char *name,
		       size_t field_off, __u64 value, size_t value_size)
{
	const struct rax_elf_section *sec;
	struct rax_elf e;
	Elf64_Ehdr ehdr;

	assert_int_equal(rax_elf_open(&e, buf, size), 0);
	sec = sec_by_name(&e, name);
	assert_non_null(sec);
	memcpy(&ehdr, buf, sizeof(ehdr));
	memcpy(buf + ehdr.e_shoff + sec->index * sizeof(Elf64_Shdr) + field_off,
	       &value, value_size);
	rax_elf_close(&e);
}

static void test_short_abi_record(void **state)
{
	struct rax_elf e;
	size_t size;
	unsigned char *buf = test_obj_read("good.o", &size);

	(void)state;
	patch_shdr(buf, size, ".rax.abi", offsetof(Elf64_Shdr, sh_size), 8, 8);
	test_log_reset();
	assert_int_equal(rax_elf_open(&e, buf, size), -EINVAL);
	assert_non_null(strstr(test_log, ".rax.abi"));
	free(buf);
}

static void test_section_out_of_bounds(void **state)
{
	struct rax_elf e;
	size_t size;
	unsigned char *buf = test_obj_read("good.o", &size);

	(void)state;
	patch_shdr(buf, size, ".text", offsetof(Elf64_Shdr, sh_size),
		   size, 8);
	assert_int_equal(rax_elf_open(&e, buf, size), -EINVAL);
	free(buf);

	buf = test_obj_read("good.o", &size);
	patch_shdr(buf, size, ".symtab", offsetof(Elf64_Shdr, sh_offset),
		   ~0ull - 16, 8);
	assert_int_equal(rax_elf_open(&e, buf, size), -EINVAL);
	free(buf);

	/* A symbol table whose string table link is garbage. */
	buf = test_obj_read("good.o", &size);
	patch_shdr(buf, size, ".symtab", offsetof(Elf64_Shdr, sh_link),
		   0x7fff, 4);
	assert_int_equal(rax_elf_open(&e, buf, size), -EINVAL);
	free(buf);
}

static void test_symbol_name_out_of_bounds(void **state)
{
	const struct rax_elf_section *symtab;
	struct rax_elf e;
	size_t size, off;
	unsigned char *buf = test_obj_read("good.o", &size);
	__u32 bad_name = 0xfffffff0u;

	(void)state;
	assert_int_equal(rax_elf_open(&e, buf, size), 0);
	symtab = sec_by_name(&e, ".symtab");
	off = sec_file_off(&e, symtab) + 3 * sizeof(Elf64_Sym);
	rax_elf_close(&e);
	memcpy(buf + off + offsetof(Elf64_Sym, st_name), &bad_name,
	       sizeof(bad_name));
	assert_int_equal(rax_elf_open(&e, buf, size), -EINVAL);
	free(buf);
}

/*
 * Random corruption of a valid object: the reader may accept or refuse,
 * but must never crash or read out of bounds (run under a sanitizer or
 * valgrind to see the latter).  Deterministic: fixed xorshift seed.
 */
static void test_random_corruption(void **state)
{
	__u64 rng = 0x9e3779b97f4a7c15ull;
	struct rax_elf e;
	size_t size, iter;
	unsigned char *orig = test_obj_read("good.o", &size);
	unsigned char *buf = malloc(size);
	Elf64_Ehdr ehdr;

	(void)state;
	memcpy(&ehdr, orig, sizeof(ehdr));
	librax_set_print(NULL);
	for (iter = 0; iter < 20000; iter++) {
		int flips = 1 + iter % 8, k;

		memcpy(buf, orig, size);
		for (k = 0; k < flips; k++) {
			size_t pos;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			/* Half of the flips hit the section headers. */
			if (rng & 1)
				pos = ehdr.e_shoff + (rng >> 8) % (size - ehdr.e_shoff);
			else
				pos = (rng >> 8) % size;
			buf[pos] = (rng >> 32) & 0xff;
		}
		if (rax_elf_open(&e, buf, size) == 0) {
			(void)rax_elf_meta_get(&e, "crate");
			rax_elf_close(&e);
		}
	}
	free(buf);
	free(orig);
}

static void test_helper_table(void **state)
{
	(void)state;
	assert_true(rax_helper_known("rax_map_lookup_elem"));
	assert_true(rax_helper_known("rax_output_discard"));
	assert_false(rax_helper_known("commit_creds"));
	assert_false(rax_helper_known("rax_map_lookup"));
	assert_false(rax_helper_known(""));
	assert_false(rax_helper_known(NULL));
	assert_true(rax_helper_gpl_only("rax_probe_read_kernel"));
	assert_true(rax_helper_gpl_only("rax_trace_printk"));
	assert_false(rax_helper_gpl_only("rax_map_lookup_elem"));
	assert_false(rax_helper_gpl_only("commit_creds"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_object),
		cmocka_unit_test(test_good_object_after_ld_r),
		cmocka_unit_test(test_missing_metadata_is_not_an_error),
		cmocka_unit_test(test_forbidden_import),
		cmocka_unit_test(test_reloc_32s_in_text),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_not_relocatable),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_reloc_offset_out_of_bounds),
		cmocka_unit_test(test_reloc_symbol_out_of_bounds),
		cmocka_unit_test(test_short_abi_record),
		cmocka_unit_test(test_section_out_of_bounds),
		cmocka_unit_test(test_symbol_name_out_of_bounds),
		cmocka_unit_test(test_random_corruption),
		cmocka_unit_test(test_helper_table),
	};

	return cmocka_run_group_tests_name("elf_reader", tests, NULL, NULL);
}
