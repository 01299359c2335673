// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The gate's own bounds-checked view of the object (section headers,
 * symbols, relocations) and the ELF policy (rules elf.*).
 *
 * Deliberately independent of elf_reader.c: the gate must be able to list
 * every problem of an image the reader refuses, and a bug in one parser
 * should not blind the other.  Every offset read from the file is checked
 * against the image size before use.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "librax_internal.h"
#include "gate.h"

#ifndef SHT_LLVM_ADDRSIG
#define SHT_LLVM_ADDRSIG 0x6fff4c03
#endif
#ifndef R_X86_64_GOTPCRELX
#define R_X86_64_GOTPCRELX 41
#endif
#ifndef R_X86_64_REX_GOTPCRELX
#define R_X86_64_REX_GOTPCRELX 42
#endif

/* Does [off, off + len) lie inside a buffer of @size bytes? */
static bool in_bounds(__u64 off, __u64 len, __u64 size)
{
	return off <= size && len <= size - off;
}

/* NUL-terminated string at @off of a string table, or NULL. */
static const char *strtab_get(const struct gate_sec *s, __u64 off)
{
	if (!s || !s->data || s->type != SHT_STRTAB || off >= s->size)
		return NULL;
	if (!memchr(s->data + off, 0, s->size - off))
		return NULL;
	return (const char *)s->data + off;
}

/* The image may be unaligned: every ELF structure is copied out first. */
static int parse_header(struct gate_ctx *ctx, Elf64_Ehdr *eh)
{
	if (ctx->size < sizeof(*eh) || memcmp(ctx->img, ELFMAG, SELFMAG)) {
		gate_finding(ctx, "elf.header", NULL, 0,
			     "not an ELF file; hint: pass the object that `raxtool build` produced");
		return -ENOEXEC;
	}
	memcpy(eh, ctx->img, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64 || eh->e_type != ET_REL) {
		gate_finding(ctx, "elf.header", NULL, 0,
			     "not an x86-64 relocatable object (ELF64, little endian, ET_REL); hint: build with `raxtool build` for target x86_64-unknown-none and link with `ld -r`");
		return -ENOEXEC;
	}
	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_bounds(eh->e_shoff, sizeof(Elf64_Shdr), ctx->size)) {
		gate_finding(ctx, "elf.bounds", NULL, eh->e_shoff,
			     "section header table out of bounds; hint: the file is truncated or corrupt, rebuild it");
		return -ENOEXEC;
	}
	return 0;
}

static void read_shdr(const struct gate_ctx *ctx, const Elf64_Ehdr *eh, size_t i,
		      Elf64_Shdr *sh)
{
	memcpy(sh, ctx->img + eh->e_shoff + i * sizeof(*sh), sizeof(*sh));
}

static int parse_sections(struct gate_ctx *ctx, const Elf64_Ehdr *eh)
{
	__u64 shnum = eh->e_shnum, shstrndx = eh->e_shstrndx;
	Elf64_Shdr sh0, sh;
	size_t i;

	/* extended numbering: the real values live in section 0 */
	read_shdr(ctx, eh, 0, &sh0);
	if (shnum == 0)
		shnum = sh0.sh_size;
	if (shstrndx == SHN_XINDEX)
		shstrndx = sh0.sh_link;
	if (shnum == 0 || shnum > ctx->size / sizeof(Elf64_Shdr) ||
	    !in_bounds(eh->e_shoff, shnum * sizeof(Elf64_Shdr), ctx->size)) {
		gate_finding(ctx, "elf.bounds", NULL, eh->e_shoff,
			     "section header table out of bounds; hint: the file is truncated or corrupt, rebuild it");
		return -ENOEXEC;
	}
	ctx->secs = calloc(shnum, sizeof(*ctx->secs));
	if (!ctx->secs)
		return -ENOMEM;
	ctx->sec_cnt = shnum;
	for (i = 0; i < shnum; i++) {
		struct gate_sec *s = &ctx->secs[i];

		read_shdr(ctx, eh, i, &sh);
		s->name = "";
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->size = sh.sh_size;
		s->link = sh.sh_link;
		s->info = sh.sh_info;
		s->name_off = sh.sh_name;
		if (s->type == SHT_NOBITS || s->type == SHT_NULL)
			continue;
		if (!in_bounds(sh.sh_offset, s->size, ctx->size)) {
			gate_finding(ctx, "elf.bounds", NULL, i,
				     "section %zu: contents out of bounds of the file; hint: the file is truncated or corrupt, rebuild it",
				     i);
			continue;
		}
		s->data = ctx->img + sh.sh_offset;
	}
	for (i = 0; i < shnum; i++) {
		const char *n = NULL;

		if (shstrndx < shnum)
			n = strtab_get(&ctx->secs[shstrndx], ctx->secs[i].name_off);
		if (n)
			ctx->secs[i].name = n;
		else if (i)
			gate_finding(ctx, "elf.bounds", NULL, i,
				     "section %zu: name out of bounds of the section name table; hint: the file is corrupt, rebuild it",
				     i);
		ctx->secs[i].exec = (ctx->secs[i].flags & SHF_EXECINSTR) &&
				    (ctx->secs[i].flags & SHF_ALLOC) &&
				    ctx->secs[i].type == SHT_PROGBITS && ctx->secs[i].data;
	}
	return 0;
}

static int parse_symbols(struct gate_ctx *ctx)
{
	const struct gate_sec *symtab = NULL, *strtab;
	size_t i, cnt;

	for (i = 0; i < ctx->sec_cnt; i++) {
		if (ctx->secs[i].type != SHT_SYMTAB)
			continue;
		if (symtab) {
			gate_finding(ctx, "elf.symbol", NULL, i,
				     "more than one symbol table; hint: link with `ld -r` as `raxtool build` does");
			continue;
		}
		symtab = &ctx->secs[i];
	}
	if (!symtab || !symtab->data)
		return 0;	/* no symbols: the policy passes report what is missing */
	strtab = symtab->link < ctx->sec_cnt ? &ctx->secs[symtab->link] : NULL;
	cnt = symtab->size / sizeof(Elf64_Sym);
	ctx->syms = calloc(cnt ? cnt : 1, sizeof(*ctx->syms));
	if (!ctx->syms)
		return -ENOMEM;
	ctx->sym_cnt = cnt;
	for (i = 0; i < cnt; i++) {
		struct gate_sym *s = &ctx->syms[i];
		Elf64_Sym es;
		const char *n;

		memcpy(&es, symtab->data + i * sizeof(es), sizeof(es));
		n = strtab_get(strtab, es.st_name);
		s->name = n ? n : "";
		s->value = es.st_value;
		s->size = es.st_size;
		s->shndx = es.st_shndx;
		s->type = ELF64_ST_TYPE(es.st_info);
		s->bind = ELF64_ST_BIND(es.st_info);
		s->func = -1;
		if (!n) {
			gate_finding(ctx, "elf.bounds", NULL, i,
				     "symbol %zu: name out of bounds of the string table; hint: the file is corrupt, rebuild it",
				     i);
			s->name = "";
		}
		if (s->shndx == SHN_UNDEF || s->shndx == SHN_ABS) {
			s->valid = true;
			continue;
		}
		if (s->shndx == SHN_COMMON) {
			gate_finding(ctx, "elf.symbol", s->name, 0,
				     "common symbol '%s'; hint: initialise the static (or compile with -fno-common) so it gets a section",
				     s->name);
			continue;
		}
		if (s->shndx >= ctx->sec_cnt) {
			gate_finding(ctx, "elf.bounds", s->name, 0,
				     "symbol '%s' refers to section %u which does not exist; hint: the file is corrupt, rebuild it",
				     s->name, s->shndx);
			continue;
		}
		if (s->type != STT_SECTION && s->type != STT_FILE &&
		    !in_bounds(s->value, s->size, ctx->secs[s->shndx].size)) {
			gate_finding(ctx, "elf.bounds", s->name, s->value,
				     "symbol '%s' (offset 0x%llx, size %llu) lies outside its section '%s'; hint: the file is corrupt, rebuild it",
				     s->name, (unsigned long long)s->value,
				     (unsigned long long)s->size, ctx->secs[s->shndx].name);
			continue;
		}
		s->valid = true;
	}
	return 0;
}

/* Bytes a relocation of @type patches (0 = unknown type). */
static unsigned int reloc_width(__u32 type)
{
	switch (type) {
	case R_X86_64_64: case R_X86_64_PC64: case R_X86_64_GOTOFF64:
	case R_X86_64_GOTPC64: case R_X86_64_GOT64: case R_X86_64_DTPOFF64:
	case R_X86_64_TPOFF64: case R_X86_64_DTPMOD64: case R_X86_64_SIZE64:
		return 8;
	case R_X86_64_PC32: case R_X86_64_PLT32: case R_X86_64_32:
	case R_X86_64_32S: case R_X86_64_GOT32: case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX:
	case R_X86_64_GOTPC32: case R_X86_64_TLSGD: case R_X86_64_TLSLD:
	case R_X86_64_DTPOFF32: case R_X86_64_GOTTPOFF: case R_X86_64_TPOFF32:
	case R_X86_64_SIZE32:
		return 4;
	case R_X86_64_16: case R_X86_64_PC16:
		return 2;
	case R_X86_64_8: case R_X86_64_PC8:
		return 1;
	default:
		return 0;
	}
}

/* Human name of an x86-64 relocation type. */
static const char *reloc_name(__u32 type)
{
	switch (type) {
	case R_X86_64_NONE: return "R_X86_64_NONE";
	case R_X86_64_64: return "R_X86_64_64";
	case R_X86_64_PC32: return "R_X86_64_PC32";
	case R_X86_64_GOT32: return "R_X86_64_GOT32";
	case R_X86_64_PLT32: return "R_X86_64_PLT32";
	case R_X86_64_COPY: return "R_X86_64_COPY";
	case R_X86_64_GLOB_DAT: return "R_X86_64_GLOB_DAT";
	case R_X86_64_JUMP_SLOT: return "R_X86_64_JUMP_SLOT";
	case R_X86_64_RELATIVE: return "R_X86_64_RELATIVE";
	case R_X86_64_GOTPCREL: return "R_X86_64_GOTPCREL";
	case R_X86_64_32: return "R_X86_64_32";
	case R_X86_64_32S: return "R_X86_64_32S";
	case R_X86_64_16: return "R_X86_64_16";
	case R_X86_64_PC16: return "R_X86_64_PC16";
	case R_X86_64_8: return "R_X86_64_8";
	case R_X86_64_PC8: return "R_X86_64_PC8";
	case R_X86_64_PC64: return "R_X86_64_PC64";
	case R_X86_64_GOTOFF64: return "R_X86_64_GOTOFF64";
	case R_X86_64_GOTPC32: return "R_X86_64_GOTPC32";
	case R_X86_64_TPOFF32: return "R_X86_64_TPOFF32";
	case R_X86_64_GOTTPOFF: return "R_X86_64_GOTTPOFF";
	case R_X86_64_GOTPCRELX: return "R_X86_64_GOTPCRELX";
	case R_X86_64_REX_GOTPCRELX: return "R_X86_64_REX_GOTPCRELX";
	default: return "unknown";
	}
}

/* Relocation types a loaded section may carry. */
static bool reloc_allowed(__u32 type)
{
	switch (type) {
	case R_X86_64_PLT32:
	case R_X86_64_PC32:
	case R_X86_64_64:
	case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX:
	case R_X86_64_REX_GOTPCRELX:
		return true;
	default:
		return false;
	}
}

static int rel_cmp(const void *a, const void *b)
{
	const struct gate_rel *x = *(const struct gate_rel *const *)a;
	const struct gate_rel *y = *(const struct gate_rel *const *)b;
	int c = gate_pos_cmp(x->target, x->offset, y->target, y->offset);

	/* same place twice: keep file order (qsort is not stable) */
	return c ? c : (x > y) - (x < y);
}

static int parse_relocs(struct gate_ctx *ctx)
{
	size_t i, j, total = 0;

	for (i = 0; i < ctx->sec_cnt; i++) {
		const struct gate_sec *s = &ctx->secs[i];

		if (s->type == SHT_REL) {
			gate_finding(ctx, "elf.reloc", NULL, i,
				     "section '%s': SHT_REL relocations (without addend) are not used on x86-64; hint: build with `raxtool build`",
				     s->name);
			continue;
		}
		if (s->type != SHT_RELA || !s->data)
			continue;
		total += s->size / sizeof(Elf64_Rela);
	}
	ctx->rels = calloc(total ? total : 1, sizeof(*ctx->rels));
	ctx->rel_sorted = calloc(total ? total : 1, sizeof(*ctx->rel_sorted));
	if (!ctx->rels || !ctx->rel_sorted)
		return -ENOMEM;
	for (i = 0; i < ctx->sec_cnt; i++) {
		const struct gate_sec *s = &ctx->secs[i];
		const struct gate_sec *t;

		if (s->type != SHT_RELA || !s->data)
			continue;
		if (s->info == 0 || s->info >= ctx->sec_cnt) {
			gate_finding(ctx, "elf.bounds", NULL, i,
				     "relocation section '%s' applies to section %u which does not exist; hint: the file is corrupt, rebuild it",
				     s->name, s->info);
			continue;
		}
		t = &ctx->secs[s->info];
		for (j = 0; j < s->size / sizeof(Elf64_Rela); j++) {
			struct gate_rel *g = &ctx->rels[ctx->rel_cnt];
			Elf64_Rela r;
			__u64 sym;
			__u32 type;
			unsigned int w;

			memcpy(&r, s->data + j * sizeof(r), sizeof(r));
			sym = ELF64_R_SYM(r.r_info);
			type = ELF64_R_TYPE(r.r_info);
			w = reloc_width(type);

			if (sym >= ctx->sym_cnt) {
				gate_finding(ctx, "elf.bounds", NULL, r.r_offset,
					     "relocation %zu of '%s' names symbol %llu which does not exist; hint: the file is corrupt, rebuild it",
					     j, s->name, (unsigned long long)sym);
				continue;
			}
			if (!in_bounds(r.r_offset, w ? w : 1, t->size)) {
				gate_finding(ctx, "elf.bounds", NULL, r.r_offset,
					     "relocation %zu of '%s' patches offset 0x%llx outside section '%s' (%llu bytes); hint: the file is corrupt, rebuild it",
					     j, s->name, (unsigned long long)r.r_offset,
					     t->name, (unsigned long long)t->size);
				continue;
			}
			g->target = s->info;
			g->type = type;
			g->offset = r.r_offset;
			g->sym = (__u32)sym;
			g->addend = r.r_addend;
			ctx->rel_sorted[ctx->rel_cnt] = g;
			ctx->rel_cnt++;
		}
	}
	qsort(ctx->rel_sorted, ctx->rel_cnt, sizeof(*ctx->rel_sorted), rel_cmp);
	return 0;
}

int gate_elf_parse(struct gate_ctx *ctx)
{
	Elf64_Ehdr eh;
	int err;

	err = parse_header(ctx, &eh);
	if (err)
		return err;
	err = parse_sections(ctx, &eh);
	if (err)
		return err;
	err = parse_symbols(ctx);
	if (err)
		return err;
	return parse_relocs(ctx);
}

void gate_elf_free(struct gate_ctx *ctx)
{
	free(ctx->secs);
	free(ctx->syms);
	free(ctx->rels);
	free(ctx->rel_sorted);
	ctx->secs = NULL;
	ctx->syms = NULL;
	ctx->rels = NULL;
	ctx->rel_sorted = NULL;
}

const struct gate_sec *gate_elf_section(const struct gate_ctx *ctx, const char *name,
					__u32 *idx)
{
	size_t i;

	for (i = 1; i < ctx->sec_cnt; i++) {
		if (strcmp(ctx->secs[i].name, name))
			continue;
		if (idx)
			*idx = (__u32)i;
		return &ctx->secs[i];
	}
	return NULL;
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Exact name or name followed by '/' or '.' (e.g. "xdp", "xdp/foo", ".text.x"). */
static bool is_kind(const char *s, const char *kind)
{
	size_t n = strlen(kind);

	return !strncmp(s, kind, n) && (s[n] == 0 || s[n] == '/' || s[n] == '.');
}

bool gate_is_prog_section(const char *name)
{
	/* every libbpf-style program section, even ones Rax does not attach:
	 * data placed there is an attempt to make it look like a program */
	static const char *const kinds[] = {
		"xdp", "tc", "classifier", "action", "kprobe", "kretprobe",
		"uprobe", "uretprobe", "raw_tp", "raw_tracepoint", "tp_btf",
		"tracepoint", "tp", "fentry", "fexit", "fmod_ret", "lsm",
		"syscall", "perf_event", "socket", "sk_skb", "sk_msg",
		"cgroup", "struct_ops", "iter", "sockops", "flow_dissector",
		"lwt_in", "lwt_out", "lwt_xmit", "lwt_seg6local", "sk_lookup",
		"netfilter", "freplace", "tcx", "netkit",
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (is_kind(name, kinds[i]))
			return true;
	return false;
}

/* Names of sections whose contents ld -r / rustc produce for a Rax object. */
static bool known_section(const struct gate_sec *s)
{
	const char *n = s->name;

	switch (s->type) {
	case SHT_NULL:
	case SHT_SYMTAB:
	case SHT_STRTAB:
	case SHT_RELA:
	case SHT_GROUP:
	case SHT_LLVM_ADDRSIG:
		return true;
	case SHT_NOTE:
		return !(s->flags & SHF_ALLOC);
	case SHT_NOBITS:
		return is_kind(n, ".bss");
	case SHT_PROGBITS:
		break;
	default:
		return false;
	}
	if (gate_is_prog_section(n))
		return true;
	if (is_kind(n, ".text") || is_kind(n, ".rodata") || is_kind(n, ".data") ||
	    is_kind(n, ".data.rel.ro") || has_prefix(n, ".debug_") ||
	    is_kind(n, ".comment") || is_kind(n, ".note") ||
	    is_kind(n, ".eh_frame") || is_kind(n, ".gcc_except_table"))
		return true;
	return !strcmp(n, RAX_SEC_MAPS) || !strcmp(n, RAX_SEC_META) ||
	       !strcmp(n, RAX_SEC_ABI) || !strcmp(n, RAX_SEC_LICENSE) ||
	       !strcmp(n, "__patchable_function_entries") ||
	       !strcmp(n, ".stack_sizes") || !strcmp(n, ".llvm_addrsig") ||
	       (has_prefix(n, ".rax.") && !(s->flags & SHF_EXECINSTR));
}

static bool is_ctor_section(const struct gate_sec *s)
{
	return s->type == SHT_INIT_ARRAY || s->type == SHT_FINI_ARRAY ||
	       s->type == SHT_PREINIT_ARRAY || is_kind(s->name, ".init_array") ||
	       is_kind(s->name, ".fini_array") || is_kind(s->name, ".preinit_array") ||
	       is_kind(s->name, ".ctors") || is_kind(s->name, ".dtors") ||
	       is_kind(s->name, ".init") || is_kind(s->name, ".fini");
}

static void check_sections(struct gate_ctx *ctx)
{
	size_t i;

	for (i = 1; i < ctx->sec_cnt; i++) {
		const struct gate_sec *s = &ctx->secs[i];

		if ((s->flags & SHF_WRITE) && (s->flags & SHF_EXECINSTR))
			gate_finding(ctx, "elf.wx", NULL, i,
				     "section '%s' is both writable and executable; hint: code must be read-only: drop the \"w\" flag or the #[link_section] that puts code and data together",
				     s->name);
		if (is_ctor_section(s)) {
			gate_finding(ctx, "elf.ctors", NULL, i,
				     "section '%s' holds constructors/destructors, which no Rax runtime runs; hint: do the setup in the program or in the loader",
				     s->name);
			continue;
		}
		if (!known_section(s))
			gate_finding(ctx, "elf.section", NULL, i,
				     "section '%s' (type 0x%x, flags 0x%llx) is not a kind a Rax object has; hint: keep code in program sections or .text and data in .rodata/.data/.bss/.maps, without #[link_section]",
				     s->name, s->type, (unsigned long long)s->flags);
		if ((s->flags & SHF_TLS))
			gate_finding(ctx, "elf.section", NULL, i,
				     "section '%s' is thread-local storage, which Rax does not provide; hint: use a per-CPU map",
				     s->name);
	}
}

static void check_relocs(struct gate_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->rel_cnt; i++) {
		const struct gate_rel *r = &ctx->rels[i];
		const struct gate_sec *t = &ctx->secs[r->target];

		if (!(t->flags & SHF_ALLOC))
			continue;	/* never loaded (debug info, .stack_sizes) */
		if (!reloc_allowed(r->type))
			gate_finding(ctx, "elf.reloc", NULL, r->offset,
				     "section '%s' offset 0x%llx: relocation %s (%u) against '%s' is not allowed (only PLT32, PC32, 64, GOTPCREL, GOTPCRELX, REX_GOTPCRELX); hint: compile position-independent (-C relocation-model=pie as `raxtool build` does, or -fPIE for C)",
				     t->name, (unsigned long long)r->offset,
				     reloc_name(r->type), r->type,
				     ctx->syms[r->sym].name);
	}
}

static void check_programs(struct gate_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->sym_cnt; i++) {
		const struct gate_sym *s = &ctx->syms[i];
		const struct gate_sec *sec;

		if (!s->valid || s->shndx == SHN_UNDEF || s->shndx >= ctx->sec_cnt ||
		    s->bind == STB_LOCAL || s->type == STT_SECTION)
			continue;
		sec = &ctx->secs[s->shndx];
		if (!gate_is_prog_section(sec->name))
			continue;
		if (s->type != STT_FUNC || !sec->exec)
			gate_finding(ctx, "elf.prog", s->name, s->value,
				     "'%s' in program section '%s' is not a function in an executable section; hint: declare programs with the rax crate's program attribute macros, never with #[link_section]",
				     s->name, sec->name);
	}
}

void gate_elf_check(struct gate_ctx *ctx)
{
	check_sections(ctx);
	check_relocs(ctx);
	check_programs(ctx);
}
