// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading a Rax object: an x86-64 ELF relocatable file.
 *
 * The reader is the first thing that sees untrusted bytes, so it checks
 * every offset, size and index before using it and copies every record out
 * with memcpy (the image may place tables at unaligned offsets).  libelf
 * parses the ELF and section headers; section contents, symbols and
 * relocations are read from our own copy of the image after bounds checks.
 */
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>

#include "librax_internal.h"

/* A NOBITS section larger than this is malformed, not a real program. */
#define MAX_NOBITS_SIZE (1ull << 30)
/* Larger alignments than this cannot be honoured by the loaders. */
#define MAX_SECTION_ALIGN (1ull << 16)

#define SEC_PATCHABLE "__patchable_function_entries"
#define SEC_STACK_SIZES ".stack_sizes"

#ifndef R_X86_64_GOTPCRELX
#define R_X86_64_GOTPCRELX 41
#endif
#ifndef R_X86_64_REX_GOTPCRELX
#define R_X86_64_REX_GOTPCRELX 42
#endif

static bool range_ok(__u64 off, __u64 len, __u64 total)
{
	return off <= total && len <= total - off;
}

static const char *reloc_type_name(__u32 type)
{
	static const char *const names[] = {
		[R_X86_64_NONE] = "R_X86_64_NONE",
		[R_X86_64_64] = "R_X86_64_64",
		[R_X86_64_PC32] = "R_X86_64_PC32",
		[R_X86_64_GOT32] = "R_X86_64_GOT32",
		[R_X86_64_PLT32] = "R_X86_64_PLT32",
		[R_X86_64_COPY] = "R_X86_64_COPY",
		[R_X86_64_GLOB_DAT] = "R_X86_64_GLOB_DAT",
		[R_X86_64_JUMP_SLOT] = "R_X86_64_JUMP_SLOT",
		[R_X86_64_RELATIVE] = "R_X86_64_RELATIVE",
		[R_X86_64_GOTPCREL] = "R_X86_64_GOTPCREL",
		[R_X86_64_32] = "R_X86_64_32",
		[R_X86_64_32S] = "R_X86_64_32S",
		[R_X86_64_16] = "R_X86_64_16",
		[R_X86_64_PC16] = "R_X86_64_PC16",
		[R_X86_64_8] = "R_X86_64_8",
		[R_X86_64_PC8] = "R_X86_64_PC8",
		[R_X86_64_DTPMOD64] = "R_X86_64_DTPMOD64",
		[R_X86_64_DTPOFF64] = "R_X86_64_DTPOFF64",
		[R_X86_64_TPOFF64] = "R_X86_64_TPOFF64",
		[R_X86_64_TLSGD] = "R_X86_64_TLSGD",
		[R_X86_64_TLSLD] = "R_X86_64_TLSLD",
		[R_X86_64_DTPOFF32] = "R_X86_64_DTPOFF32",
		[R_X86_64_GOTTPOFF] = "R_X86_64_GOTTPOFF",
		[R_X86_64_TPOFF32] = "R_X86_64_TPOFF32",
		[R_X86_64_PC64] = "R_X86_64_PC64",
		[R_X86_64_GOTOFF64] = "R_X86_64_GOTOFF64",
		[R_X86_64_GOTPC32] = "R_X86_64_GOTPC32",
		[R_X86_64_GOT64] = "R_X86_64_GOT64",
		[R_X86_64_GOTPCREL64] = "R_X86_64_GOTPCREL64",
		[R_X86_64_GOTPC64] = "R_X86_64_GOTPC64",
		[R_X86_64_GOTPLT64] = "R_X86_64_GOTPLT64",
		[R_X86_64_PLTOFF64] = "R_X86_64_PLTOFF64",
		[R_X86_64_SIZE32] = "R_X86_64_SIZE32",
		[R_X86_64_SIZE64] = "R_X86_64_SIZE64",
		[R_X86_64_GOTPC32_TLSDESC] = "R_X86_64_GOTPC32_TLSDESC",
		[R_X86_64_TLSDESC_CALL] = "R_X86_64_TLSDESC_CALL",
		[R_X86_64_TLSDESC] = "R_X86_64_TLSDESC",
		[R_X86_64_IRELATIVE] = "R_X86_64_IRELATIVE",
		[R_X86_64_RELATIVE64] = "R_X86_64_RELATIVE64",
		[R_X86_64_GOTPCRELX] = "R_X86_64_GOTPCRELX",
		[R_X86_64_REX_GOTPCRELX] = "R_X86_64_REX_GOTPCRELX",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown relocation type";
}

/* Bytes a relocation of an allowed type patches, or 0 if not allowed. */
static unsigned int allowed_reloc_width(__u32 type)
{
	switch (type) {
	case R_X86_64_64:
		return 8;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX:
	case R_X86_64_REX_GOTPCRELX:
		return 4;
	default:
		return 0;
	}
}

/* String at off in a string table section, or NULL if not NUL-terminated inside it. */
static const char *strtab_get(const struct rax_elf_section *strtab, __u64 off)
{
	const char *s;

	if (!strtab->data || off >= strtab->size)
		return NULL;
	s = (const char *)strtab->data + off;
	if (!memchr(s, '\0', strtab->size - off))
		return NULL;
	return s;
}

/*
 * Metadata sections are SHF_ALLOC in objects (they come from Rust statics)
 * but nothing at run time reads them, so they are not placed in the image.
 * .eh_frame is never used either: programs are built with panic=abort and
 * the runtime does not unwind.
 */
static bool section_is_metadata(const char *name)
{
	static const char *const metadata[] = {
		SEC_PATCHABLE, SEC_STACK_SIZES, RAX_SEC_ABI, RAX_SEC_META,
		RAX_SEC_LICENSE, ".eh_frame",
	};
	size_t i;

	for (i = 0; i < sizeof(metadata) / sizeof(metadata[0]); i++) {
		if (strcmp(name, metadata[i]) == 0)
			return true;
	}
	return false;
}

static int check_ehdr(const __u8 *buf, size_t size, __u64 *shnum_out)
{
	Elf64_Ehdr ehdr;
	__u64 shnum;

	if (size < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) != 0) {
		pr_warn("elf: not an ELF file\n");
		return -ENOEXEC;
	}
	if (size < sizeof(ehdr)) {
		pr_warn("elf: truncated ELF header (%zu bytes)\n", size);
		return -EINVAL;
	}
	memcpy(&ehdr, buf, sizeof(ehdr));
	if (ehdr.e_ident[EI_CLASS] != ELFCLASS64 ||
	    ehdr.e_ident[EI_DATA] != ELFDATA2LSB ||
	    ehdr.e_machine != EM_X86_64) {
		pr_warn("elf: not an x86-64 little-endian ELF64 object\n");
		return -ENOEXEC;
	}
	if (ehdr.e_type != ET_REL) {
		pr_warn("elf: not a relocatable object (e_type %u); a Rax object is ET_REL\n",
			ehdr.e_type);
		return -ENOEXEC;
	}
	/* A relocatable object has no program headers; refusing them here
	 * keeps libelf from ever looking at garbage ones. */
	if (ehdr.e_phnum != 0 || ehdr.e_ehsize != sizeof(Elf64_Ehdr) ||
	    ehdr.e_shentsize != sizeof(Elf64_Shdr)) {
		pr_warn("elf: malformed ELF header\n");
		return -EINVAL;
	}

	shnum = ehdr.e_shnum;
	if (shnum == 0 && ehdr.e_shoff != 0) {
		/* Extended numbering: the count is in section header 0. */
		Elf64_Shdr sh0;

		if (!range_ok(ehdr.e_shoff, sizeof(sh0), size)) {
			pr_warn("elf: section header table out of bounds\n");
			return -EINVAL;
		}
		memcpy(&sh0, buf + ehdr.e_shoff, sizeof(sh0));
		shnum = sh0.sh_size;
	}
	if (shnum == 0 || shnum > size / sizeof(Elf64_Shdr) ||
	    !range_ok(ehdr.e_shoff, shnum * sizeof(Elf64_Shdr), size)) {
		pr_warn("elf: section header table out of bounds\n");
		return -EINVAL;
	}
	*shnum_out = shnum;
	return 0;
}

static int read_sections(struct rax_elf *e, __u64 shnum)
{
	const struct rax_elf_section *shstrtab;
	Elf *elf = e->elf;
	size_t libelf_shnum, shstrndx, i;
	__u32 *name_offs;

	if (elf_getshdrnum(elf, &libelf_shnum) || libelf_shnum != shnum ||
	    elf_getshdrstrndx(elf, &shstrndx) || shstrndx >= shnum) {
		pr_warn("elf: malformed section header table: %s\n",
			elf_errmsg(-1));
		return -EINVAL;
	}

	e->secs = calloc(shnum, sizeof(*e->secs));
	name_offs = calloc(shnum, sizeof(*name_offs));
	if (!e->secs || !name_offs) {
		free(name_offs);
		return -ENOMEM;
	}
	e->sec_cnt = shnum;

	for (i = 0; i < shnum; i++) {
		struct rax_elf_section *sec = &e->secs[i];
		Elf_Scn *scn = elf_getscn(elf, i);
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh)) {
			pr_warn("elf: section %zu: unreadable header\n", i);
			goto fail;
		}
		sec->index = i;
		sec->type = sh.sh_type;
		sec->flags = sh.sh_flags;
		/* Section 0's size may hold the extended section count. */
		sec->size = sh.sh_type == SHT_NULL ? 0 : sh.sh_size;
		sec->align = sh.sh_addralign;
		name_offs[i] = sh.sh_name;
		if (sh.sh_type == SHT_NOBITS) {
			if (sh.sh_size > MAX_NOBITS_SIZE) {
				pr_warn("elf: section %zu: NOBITS size %llu too large\n",
					i, (unsigned long long)sh.sh_size);
				goto fail;
			}
		} else if (sh.sh_type != SHT_NULL) {
			if (!range_ok(sh.sh_offset, sh.sh_size, e->size)) {
				pr_warn("elf: section %zu: contents out of bounds (offset %llu, size %llu, file %zu)\n",
					i, (unsigned long long)sh.sh_offset,
					(unsigned long long)sh.sh_size, e->size);
				goto fail;
			}
			sec->data = e->image + sh.sh_offset;
		}
	}

	shstrtab = &e->secs[shstrndx];
	if (shstrtab->type != SHT_STRTAB) {
		pr_warn("elf: section name table %zu is not a string table\n",
			shstrndx);
		goto fail;
	}
	for (i = 0; i < shnum; i++) {
		struct rax_elf_section *sec = &e->secs[i];

		sec->name = strtab_get(shstrtab, name_offs[i]);
		if (!sec->name) {
			pr_warn("elf: section %zu: name offset %u out of bounds\n",
				i, name_offs[i]);
			goto fail;
		}
		if (sec->align > 1 && (sec->align & (sec->align - 1))) {
			pr_warn("elf: section '%s': alignment %llu is not a power of two\n",
				sec->name, (unsigned long long)sec->align);
			goto fail;
		}
		sec->loaded = sec->type != SHT_NULL && (sec->flags & SHF_ALLOC) &&
			      !section_is_metadata(sec->name);
		if (sec->loaded && sec->align > MAX_SECTION_ALIGN) {
			pr_warn("elf: section '%s': alignment %llu is too large\n",
				sec->name, (unsigned long long)sec->align);
			goto fail;
		}
	}
	free(name_offs);
	return 0;

fail:
	free(name_offs);
	return -EINVAL;
}

/* Index of the one section named name, -1 if none, -EINVAL if several. */
static int find_unique_section(const struct rax_elf *e, const char *name)
{
	int found = -1;
	size_t i;

	for (i = 1; i < e->sec_cnt; i++) {
		if (strcmp(e->secs[i].name, name) != 0)
			continue;
		if (found >= 0) {
			pr_warn("elf: more than one '%s' section\n", name);
			return -EINVAL;
		}
		found = i;
	}
	return found;
}

static int add_import(struct rax_elf *e, const char *name)
{
	char **grown;
	size_t i;

	for (i = 0; i < e->import_cnt; i++) {
		if (strcmp(e->imports[i], name) == 0)
			return i;
	}
	grown = realloc(e->imports, (e->import_cnt + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	e->imports = grown;
	e->imports[e->import_cnt] = strdup(name);
	if (!e->imports[e->import_cnt])
		return -ENOMEM;
	return e->import_cnt++;
}

static int read_symbol(struct rax_elf *e, const struct rax_elf_section *symtab,
		       const struct rax_elf_section *strtab, size_t idx)
{
	struct rax_elf_symbol *s = &e->syms[idx];
	Elf64_Sym sym;
	int import;

	memcpy(&sym, symtab->data + idx * sizeof(sym), sizeof(sym));
	s->name = strtab_get(strtab, sym.st_name);
	if (!s->name) {
		pr_warn("elf: symbol %zu: name offset %u out of bounds\n", idx,
			sym.st_name);
		return -EINVAL;
	}
	s->value = sym.st_value;
	s->size = sym.st_size;
	s->shndx = sym.st_shndx;
	s->type = GELF_ST_TYPE(sym.st_info);
	s->bind = GELF_ST_BIND(sym.st_info);
	s->import_idx = -1;

	if (idx == 0)
		return 0;
	if (sym.st_shndx == SHN_UNDEF) {
		if (!rax_helper_known(s->name)) {
			pr_warn("elf: import '%s' is not a Rax helper\n",
				s->name);
			return -EINVAL;
		}
		import = add_import(e, s->name);
		if (import < 0)
			return import;
		s->import_idx = import;
		return 0;
	}
	if (sym.st_shndx == SHN_ABS)
		return 0;
	if (sym.st_shndx >= SHN_LORESERVE || sym.st_shndx >= e->sec_cnt) {
		pr_warn("elf: symbol '%s': section index %u not supported or out of bounds\n",
			s->name, sym.st_shndx);
		return -EINVAL;
	}
	/* Symbol values are section-relative in ET_REL (sh_addr is ignored). */
	if (!range_ok(sym.st_value, sym.st_size, e->secs[sym.st_shndx].size)) {
		pr_warn("elf: symbol '%s': [%llu, +%llu) outside section '%s' (%llu bytes)\n",
			s->name, (unsigned long long)sym.st_value,
			(unsigned long long)sym.st_size,
			e->secs[sym.st_shndx].name,
			(unsigned long long)e->secs[sym.st_shndx].size);
		return -EINVAL;
	}
	return 0;
}

static int read_symbols(struct rax_elf *e, int *symtab_idx_out)
{
	const struct rax_elf_section *symtab = NULL, *strtab;
	size_t i, cnt;
	int err;

	for (i = 1; i < e->sec_cnt; i++) {
		if (e->secs[i].type != SHT_SYMTAB)
			continue;
		if (symtab) {
			pr_warn("elf: more than one symbol table\n");
			return -EINVAL;
		}
		symtab = &e->secs[i];
	}
	if (!symtab) {
		pr_warn("elf: no symbol table\n");
		return -EINVAL;
	}
	*symtab_idx_out = symtab->index;

	{
		GElf_Shdr sh;
		Elf_Scn *scn = elf_getscn(e->elf, symtab->index);

		if (!scn || !gelf_getshdr(scn, &sh) ||
		    sh.sh_entsize != sizeof(Elf64_Sym) ||
		    sh.sh_size % sizeof(Elf64_Sym) || sh.sh_link == 0 ||
		    sh.sh_link >= e->sec_cnt ||
		    e->secs[sh.sh_link].type != SHT_STRTAB) {
			pr_warn("elf: malformed symbol table '%s'\n",
				symtab->name);
			return -EINVAL;
		}
		strtab = &e->secs[sh.sh_link];
	}

	cnt = symtab->size / sizeof(Elf64_Sym);
	if (cnt == 0) {
		pr_warn("elf: empty symbol table\n");
		return -EINVAL;
	}
	e->syms = calloc(cnt, sizeof(*e->syms));
	if (!e->syms)
		return -ENOMEM;
	e->sym_cnt = cnt;
	for (i = 0; i < cnt; i++) {
		err = read_symbol(e, symtab, strtab, i);
		if (err)
			return err;
	}
	return 0;
}

static int add_reloc(struct rax_elf *e, const struct rax_elf_reloc *r,
		     size_t *cap)
{
	if (e->reloc_cnt == *cap) {
		size_t new_cap = *cap ? *cap * 2 : 64;
		struct rax_elf_reloc *grown;

		grown = realloc(e->relocs, new_cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		e->relocs = grown;
		*cap = new_cap;
	}
	e->relocs[e->reloc_cnt++] = *r;
	return 0;
}

/* Checks one relocation of a loaded section against the allowlist and bounds. */
static int check_loaded_reloc(const struct rax_elf *e,
			      const struct rax_elf_section *target,
			      const struct rax_elf_reloc *r)
{
	const struct rax_elf_symbol *sym;
	unsigned int width = allowed_reloc_width(r->type);

	if (!width) {
		pr_warn("elf: section '%s': relocation type %s (%u) at offset 0x%llx is not allowed\n",
			target->name, reloc_type_name(r->type), r->type,
			(unsigned long long)r->offset);
		return -EINVAL;
	}
	if (target->type == SHT_NOBITS || !range_ok(r->offset, width, target->size)) {
		pr_warn("elf: section '%s': relocation at offset 0x%llx out of bounds\n",
			target->name, (unsigned long long)r->offset);
		return -EINVAL;
	}
	sym = &e->syms[r->sym];
	if (r->sym == 0 ||
	    (sym->shndx != SHN_UNDEF &&
	     (sym->shndx >= e->sec_cnt || !e->secs[sym->shndx].loaded))) {
		pr_warn("elf: section '%s': relocation at offset 0x%llx refers to symbol '%s' outside the loaded sections\n",
			target->name, (unsigned long long)r->offset,
			r->sym ? sym->name : "(none)");
		return -EINVAL;
	}
	return 0;
}

static int add_patch_site(struct rax_elf *e, const struct rax_elf_section *sec,
			  const struct rax_elf_reloc *r)
{
	const struct rax_elf_symbol *sym = &e->syms[r->sym];
	struct rax_elf_patch_site *grown;
	__u64 offset = sym->value + (__u64)r->addend;

	/* Each entry is the address of a function's 5-byte NOP pad. */
	if (r->type != R_X86_64_64 || !range_ok(r->offset, 8, sec->size) ||
	    sym->shndx == SHN_UNDEF || sym->shndx >= e->sec_cnt ||
	    !(e->secs[sym->shndx].flags & SHF_EXECINSTR) ||
	    r->addend < 0 || offset < sym->value ||
	    !range_ok(offset, 5, e->secs[sym->shndx].size)) {
		pr_warn("elf: section '%s': malformed entry at offset 0x%llx\n",
			sec->name, (unsigned long long)r->offset);
		return -EINVAL;
	}
	grown = realloc(e->patch_sites,
			(e->patch_site_cnt + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	e->patch_sites = grown;
	e->patch_sites[e->patch_site_cnt].shndx = sym->shndx;
	e->patch_sites[e->patch_site_cnt].offset = offset;
	e->patch_site_cnt++;
	return 0;
}

static int read_rela_section(struct rax_elf *e,
			     const struct rax_elf_section *rela,
			     int symtab_idx, size_t *reloc_cap)
{
	const struct rax_elf_section *target;
	bool patchable, stack_sizes;
	GElf_Shdr sh;
	Elf_Scn *scn = elf_getscn(e->elf, rela->index);
	size_t i, cnt;
	int err;

	if (!scn || !gelf_getshdr(scn, &sh))
		return -EINVAL;
	if (sh.sh_info >= e->sec_cnt || sh.sh_info == 0) {
		pr_warn("elf: relocation section '%s': target section %u out of bounds\n",
			rela->name, sh.sh_info);
		return -EINVAL;
	}
	target = &e->secs[sh.sh_info];
	patchable = strcmp(target->name, SEC_PATCHABLE) == 0;
	stack_sizes = strcmp(target->name, SEC_STACK_SIZES) == 0;
	/* Debug info and other unloaded sections keep their relocations
	 * (R_X86_64_32 & co): nothing ever applies them. */
	if (!target->loaded && !patchable && !stack_sizes)
		return 0;

	if (sh.sh_link != (Elf64_Word)symtab_idx ||
	    sh.sh_entsize != sizeof(Elf64_Rela) ||
	    rela->size % sizeof(Elf64_Rela)) {
		pr_warn("elf: relocation section '%s' is malformed\n",
			rela->name);
		return -EINVAL;
	}

	cnt = rela->size / sizeof(Elf64_Rela);
	for (i = 0; i < cnt; i++) {
		struct rax_elf_reloc r;
		Elf64_Rela raw;

		memcpy(&raw, rela->data + i * sizeof(raw), sizeof(raw));
		r.target_shndx = target->index;
		r.type = ELF64_R_TYPE(raw.r_info);
		r.offset = raw.r_offset;
		r.sym = ELF64_R_SYM(raw.r_info);
		r.addend = raw.r_addend;
		if (r.sym >= e->sym_cnt) {
			pr_warn("elf: section '%s': relocation %zu refers to symbol %u out of bounds\n",
				rela->name, i, r.sym);
			return -EINVAL;
		}

		if (patchable) {
			err = add_patch_site(e, target, &r);
		} else if (stack_sizes) {
			/* The gate reads these; make sure they are sane. */
			if (r.type != R_X86_64_64 ||
			    !range_ok(r.offset, 8, target->size)) {
				pr_warn("elf: section '%s': malformed relocation at offset 0x%llx\n",
					rela->name, (unsigned long long)r.offset);
				return -EINVAL;
			}
			err = 0;
		} else {
			err = check_loaded_reloc(e, target, &r);
			if (!err)
				err = add_reloc(e, &r, reloc_cap);
		}
		if (err)
			return err;
	}
	return 0;
}

static int read_relocations(struct rax_elf *e, int symtab_idx)
{
	size_t i, cap = 0;
	int err;

	for (i = 1; i < e->sec_cnt; i++) {
		const struct rax_elf_section *sec = &e->secs[i];

		if (sec->type == SHT_REL) {
			/* x86-64 objects use RELA; a REL section patching
			 * loaded code would need the implicit addend. */
			if (sec->flags & SHF_INFO_LINK) {
				GElf_Shdr sh;
				Elf_Scn *scn = elf_getscn(e->elf, i);

				if (!scn || !gelf_getshdr(scn, &sh) ||
				    (sh.sh_info < e->sec_cnt &&
				     e->secs[sh.sh_info].loaded)) {
					pr_warn("elf: section '%s': SHT_REL relocations are not supported\n",
						sec->name);
					return -EINVAL;
				}
			}
			continue;
		}
		if (sec->type != SHT_RELA)
			continue;
		err = read_rela_section(e, sec, symtab_idx, &cap);
		if (err)
			return err;
	}
	return 0;
}

static int read_meta(struct rax_elf *e)
{
	const struct rax_elf_section *sec;
	int idx = find_unique_section(e, RAX_SEC_META);

	if (idx < 0)
		return idx == -1 ? 0 : idx;
	sec = &e->secs[idx];
	if (!sec->data || sec->size < sizeof(e->meta)) {
		pr_warn("elf: section '%s' is smaller than its header\n",
			RAX_SEC_META);
		return -EINVAL;
	}
	memcpy(&e->meta, sec->data, sizeof(e->meta));
	if (memcmp(e->meta.magic, RAX_META_MAGIC, sizeof(e->meta.magic)) != 0 ||
	    e->meta.hdr_size < sizeof(e->meta) ||
	    !range_ok(e->meta.hdr_size, e->meta.strings_size, sec->size)) {
		pr_warn("elf: section '%s': malformed metadata header\n",
			RAX_SEC_META);
		return -EINVAL;
	}
	e->meta_strings = (const char *)sec->data + e->meta.hdr_size;
	if (e->meta.strings_size &&
	    e->meta_strings[e->meta.strings_size - 1] != '\0') {
		pr_warn("elf: section '%s': metadata strings are not NUL-terminated\n",
			RAX_SEC_META);
		return -EINVAL;
	}
	e->has_meta = true;
	return 0;
}

static int read_abi(struct rax_elf *e)
{
	const struct rax_elf_section *sec;
	int idx = find_unique_section(e, RAX_SEC_ABI);

	if (idx < 0)
		return idx == -1 ? 0 : idx;
	sec = &e->secs[idx];
	if (!sec->data || sec->size < sizeof(e->abi)) {
		pr_warn("elf: section '%s' has %llu bytes, the ABI layout record needs %zu\n",
			RAX_SEC_ABI, (unsigned long long)sec->size,
			sizeof(e->abi));
		return -EINVAL;
	}
	memcpy(&e->abi, sec->data, sizeof(e->abi));
	e->has_abi = true;
	return 0;
}

static int read_license(struct rax_elf *e)
{
	const struct rax_elf_section *sec;
	int idx = find_unique_section(e, RAX_SEC_LICENSE);

	if (idx < 0)
		return idx == -1 ? 0 : idx;
	sec = &e->secs[idx];
	if (!sec->data || !memchr(sec->data, '\0', sec->size)) {
		pr_warn("elf: section '%s' is not a NUL-terminated string\n",
			RAX_SEC_LICENSE);
		return -EINVAL;
	}
	e->license = (const char *)sec->data;
	return 0;
}

static int read_special_sections(struct rax_elf *e)
{
	int idx, err;

	idx = find_unique_section(e, RAX_SEC_MAPS);
	if (idx < -1)
		return idx;
	if (idx > 0 && !e->secs[idx].data) {
		pr_warn("elf: section '%s' has no contents\n", RAX_SEC_MAPS);
		return -EINVAL;
	}
	e->maps_shndx = idx;

	idx = find_unique_section(e, SEC_STACK_SIZES);
	if (idx < -1)
		return idx;
	e->stack_sizes_shndx = idx;

	err = read_meta(e);
	if (!err)
		err = read_abi(e);
	if (!err)
		err = read_license(e);
	return err;
}

/*
 * Keep only the imports some loaded relocation uses: ld -r leaves the
 * undefined symbols of every archive member in the symbol table, also of
 * code that --gc-sections dropped, and those are not imports of the object.
 * (Unknown names were already refused by read_symbol, referenced or not.)
 */
static int prune_unused_imports(struct rax_elf *e)
{
	bool *used;
	int *new_idx;
	size_t i, kept = 0;

	if (!e->import_cnt)
		return 0;
	used = calloc(e->import_cnt, sizeof(*used));
	new_idx = calloc(e->import_cnt, sizeof(*new_idx));
	if (!used || !new_idx) {
		free(used);
		free(new_idx);
		return -ENOMEM;
	}
	for (i = 0; i < e->reloc_cnt; i++) {
		int idx = e->syms[e->relocs[i].sym].import_idx;

		if (idx >= 0)
			used[idx] = true;
	}
	for (i = 0; i < e->import_cnt; i++) {
		if (used[i]) {
			new_idx[i] = (int)kept;
			e->imports[kept++] = e->imports[i];
		} else {
			new_idx[i] = -1;
			free(e->imports[i]);
		}
	}
	e->import_cnt = kept;
	for (i = 0; i < e->sym_cnt; i++)
		if (e->syms[i].import_idx >= 0)
			e->syms[i].import_idx = new_idx[e->syms[i].import_idx];
	free(used);
	free(new_idx);
	return 0;
}

int rax_elf_open(struct rax_elf *e, const void *buf, size_t size)
{
	__u64 shnum = 0;
	int symtab_idx = -1;
	int err;

	memset(e, 0, sizeof(*e));
	e->maps_shndx = -1;
	e->stack_sizes_shndx = -1;
	if (!buf)
		return -EINVAL;

	err = check_ehdr(buf, size, &shnum);
	if (err)
		return err;

	e->image = malloc(size);
	if (!e->image)
		return -ENOMEM;
	memcpy(e->image, buf, size);
	e->size = size;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		pr_warn("elf: libelf initialisation failed: %s\n",
			elf_errmsg(-1));
		err = -EINVAL;
		goto fail;
	}
	e->elf = elf_memory((char *)e->image, size);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF) {
		pr_warn("elf: libelf cannot parse the object: %s\n",
			elf_errmsg(-1));
		err = -EINVAL;
		goto fail;
	}

	err = read_sections(e, shnum);
	if (!err)
		err = read_symbols(e, &symtab_idx);
	if (!err)
		err = read_relocations(e, symtab_idx);
	if (!err)
		err = prune_unused_imports(e);
	if (!err)
		err = read_special_sections(e);
	if (err)
		goto fail;
	return 0;

fail:
	rax_elf_close(e);
	e->maps_shndx = -1;
	e->stack_sizes_shndx = -1;
	return err;
}

void rax_elf_close(struct rax_elf *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->import_cnt; i++)
		free(e->imports[i]);
	free(e->imports);
	free(e->patch_sites);
	free(e->relocs);
	free(e->syms);
	free(e->secs);
	if (e->elf)
		elf_end(e->elf);
	free(e->image);
	memset(e, 0, sizeof(*e));
}

const char *rax_elf_meta_get(const struct rax_elf *e, const char *key)
{
	size_t key_len, off = 0;

	if (!e || !e->has_meta || !key)
		return NULL;
	key_len = strlen(key);
	while (off < e->meta.strings_size) {
		const char *kv = e->meta_strings + off;
		size_t len = strlen(kv);	/* the last string ends in NUL */

		if (len > key_len && kv[key_len] == '=' &&
		    memcmp(kv, key, key_len) == 0)
			return kv + key_len + 1;
		off += len + 1;
	}
	return NULL;
}
