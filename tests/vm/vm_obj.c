// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Minimal Rax object reader for the VM tests (see vm_obj.h).  It trusts
 * its input only as far as needed not to crash on the test objects.
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_obj.h"

static const char *const helper_names[] = {
#define VM_HELPER_NAME(name, gpl, since) #name,
	RAX_HELPERS(VM_HELPER_NAME)
};

static int helper_index(const char *name)
{
	for (size_t i = 0; i < sizeof(helper_names) / sizeof(helper_names[0]); i++)
		if (!strcmp(helper_names[i], name))
			return (int)i;
	return -1;
}

static int prog_type_of(const char *sec)
{
	if (!strcmp(sec, "xdp") || !strncmp(sec, "xdp/", 4))
		return RAX_PROG_TYPE_XDP;
	if (!strncmp(sec, "kprobe/", 7) || !strncmp(sec, "kretprobe/", 10))
		return RAX_PROG_TYPE_KPROBE;
	if (!strncmp(sec, "raw_tp/", 7) || !strncmp(sec, "raw_tracepoint/", 15))
		return RAX_PROG_TYPE_RAW_TRACEPOINT;
	if (!strcmp(sec, "tc") || !strcmp(sec, "classifier"))
		return RAX_PROG_TYPE_SCHED_CLS;
	if (!strcmp(sec, "syscall"))
		return RAX_PROG_TYPE_SYSCALL;
	return RAX_PROG_TYPE_UNSPEC;
}

static int read_file(const char *path, unsigned char **buf, size_t *size)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EIO;
	}
	*buf = malloc(n ? n : 1);
	if (!*buf || fread(*buf, 1, n, f) != (size_t)n) {
		free(*buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*size = n;
	return 0;
}

static bool is_metadata(const char *name)
{
	return !strcmp(name, RAX_SEC_LICENSE) || !strcmp(name, RAX_SEC_META) ||
	       !strcmp(name, RAX_SEC_ABI);
}

int vm_obj_open(struct vm_obj *o, const char *path)
{
	int req_idx[256], err;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const Elf64_Sym *syms = NULL;
	const char *strtab = NULL, *shstr;
	size_t sym_cnt = 0;

	memset(o, 0, sizeof(*o));
	err = read_file(path, &o->image, &o->size);
	if (err) {
		fprintf(stderr, "vm_obj: %s: %s\n", path, strerror(-err));
		return err;
	}
	eh = (const Elf64_Ehdr *)o->image;
	if (o->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_type != ET_REL || eh->e_machine != EM_X86_64 || eh->e_shnum > 256 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > o->size) {
		fprintf(stderr, "vm_obj: %s: not an x86-64 ET_REL\n", path);
		return -ENOEXEC;
	}
	sh = (const Elf64_Shdr *)(o->image + eh->e_shoff);
	shstr = (const char *)o->image + sh[eh->e_shstrndx].sh_offset;

	/* Loaded sections, in file order. */
	for (int i = 0; i < eh->e_shnum; i++) {
		const char *name = shstr + sh[i].sh_name;

		req_idx[i] = -1;
		if (sh[i].sh_type == SHT_SYMTAB) {
			syms = (const Elf64_Sym *)(o->image + sh[i].sh_offset);
			sym_cnt = sh[i].sh_size / sizeof(*syms);
			strtab = (const char *)o->image + sh[sh[i].sh_link].sh_offset;
		}
		if (!strcmp(name, RAX_SEC_LICENSE))
			snprintf(o->license, sizeof(o->license), "%.*s",
				 (int)sh[i].sh_size, (const char *)o->image + sh[i].sh_offset);
		if (!(sh[i].sh_flags & SHF_ALLOC) || is_metadata(name))
			continue;
		struct rax_ioc_section *s = &o->secs[o->sec_cnt];

		s->size = sh[i].sh_size;
		s->align = (__u32)sh[i].sh_addralign;
		if (sh[i].sh_flags & SHF_EXECINSTR)
			s->flags |= RAX_SEC_F_EXEC;
		if (sh[i].sh_flags & SHF_WRITE)
			s->flags |= RAX_SEC_F_WRITE;
		if (sh[i].sh_type == SHT_NOBITS)
			s->flags |= RAX_SEC_F_NOBITS;
		else
			s->data = (__u64)(uintptr_t)(o->image + sh[i].sh_offset);
		req_idx[i] = (int)o->sec_cnt++;
	}
	if (!syms)
		return -ENOEXEC;

	/* Programs and maps from the symbols. */
	for (size_t i = 1; i < sym_cnt; i++) {
		const Elf64_Sym *sym = &syms[i];
		const char *name = strtab + sym->st_name;
		const char *sec;

		if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= eh->e_shnum ||
		    ELF64_ST_BIND(sym->st_info) != STB_GLOBAL || req_idx[sym->st_shndx] < 0)
			continue;
		sec = shstr + sh[sym->st_shndx].sh_name;
		if (ELF64_ST_TYPE(sym->st_info) == STT_FUNC && prog_type_of(sec)) {
			struct rax_ioc_prog *p = &o->progs[o->prog_cnt++];

			snprintf(p->name, sizeof(p->name), "%s", name);
			p->type = prog_type_of(sec);
			p->section = req_idx[sym->st_shndx];
			p->offset = sym->st_value;
		} else if (!strcmp(sec, RAX_SEC_MAPS) && ELF64_ST_TYPE(sym->st_info) == STT_OBJECT) {
			struct rax_ioc_map *m = &o->maps[o->map_cnt];

			snprintf(m->name, sizeof(m->name), "%s", name);
			m->fd = -1;
			m->section = req_idx[sym->st_shndx];
			m->offset = sym->st_value;
			memcpy(&o->map_defs[o->map_cnt], o->image + sh[sym->st_shndx].sh_offset +
			       sym->st_value, sizeof(struct rax_map_def));
			o->map_cnt++;
		}
	}

	/* Relocations of loaded sections. */
	for (int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Rela *rela;
		size_t n;

		if (sh[i].sh_type != SHT_RELA || sh[i].sh_info >= eh->e_shnum ||
		    req_idx[sh[i].sh_info] < 0)
			continue;
		rela = (const Elf64_Rela *)(o->image + sh[i].sh_offset);
		n = sh[i].sh_size / sizeof(*rela);
		o->relocs = realloc(o->relocs, (o->reloc_cnt + n) * sizeof(*o->relocs));
		for (size_t j = 0; j < n; j++) {
			const Elf64_Sym *sym = &syms[ELF64_R_SYM(rela[j].r_info)];
			struct rax_ioc_reloc *r = &o->relocs[o->reloc_cnt++];

			memset(r, 0, sizeof(*r));
			r->section = req_idx[sh[i].sh_info];
			r->type = ELF64_R_TYPE(rela[j].r_info);
			r->offset = rela[j].r_offset;
			r->addend = rela[j].r_addend;
			if (sym->st_shndx == SHN_UNDEF) {
				r->sym_kind = RAX_RELOC_SYM_HELPER;
				r->sym_index = (__u32)helper_index(strtab + sym->st_name);
			} else {
				r->sym_kind = RAX_RELOC_SYM_SECTION;
				r->sym_index = sym->st_shndx < eh->e_shnum ?
					       (__u32)req_idx[sym->st_shndx] : ~0u;
				r->sym_value = sym->st_value;
			}
		}
	}
	return 0;
}

void vm_obj_close(struct vm_obj *o)
{
	free(o->image);
	free(o->relocs);
	memset(o, 0, sizeof(*o));
}

int vm_obj_prog(const struct vm_obj *o, const char *name)
{
	for (unsigned int i = 0; i < o->prog_cnt; i++)
		if (!strcmp(o->progs[i].name, name))
			return (int)i;
	return -1;
}

void vm_obj_request(struct vm_obj *o, struct rax_ioc_load *req)
{
	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	snprintf(req->name, sizeof(req->name), "vmtest");
	req->sections = (__u64)(uintptr_t)o->secs;
	req->section_cnt = o->sec_cnt;
	req->section_rec_size = sizeof(o->secs[0]);
	req->relocs = (__u64)(uintptr_t)o->relocs;
	req->reloc_cnt = o->reloc_cnt;
	req->reloc_rec_size = sizeof(o->relocs[0]);
	req->progs = (__u64)(uintptr_t)o->progs;
	req->prog_cnt = o->prog_cnt;
	req->prog_rec_size = sizeof(o->progs[0]);
	req->maps = (__u64)(uintptr_t)o->maps;
	req->map_cnt = o->map_cnt;
	req->map_rec_size = sizeof(o->maps[0]);
	req->license = o->license[0] ? (__u64)(uintptr_t)o->license : 0;
	req->abi_version = RAX_ABI_VERSION;
}
