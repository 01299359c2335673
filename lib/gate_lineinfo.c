// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Source lines for the gate's findings, from the DWARF line tables
 * (.debug_line, versions 2 to 5) that `raxtool build` keeps in objects.
 *
 * In a relocatable object the addresses in the line programs are not
 * final: each DW_LNE_set_address operand is patched by an R_X86_64_64
 * relocation against a section symbol, and DWARF 5 string offsets by
 * relocations against .debug_line_str.  The relocations name the section,
 * so every row maps to (section index, offset), the same coordinates the
 * gate reports in.
 *
 * The object is untrusted: every read is bounds-checked against the
 * section (or the unit), a malformed unit is skipped, and the work done is
 * linear in the size of .debug_line.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "librax_internal.h"
#include "gate.h"

#define DW_LNS_copy			1
#define DW_LNS_advance_pc		2
#define DW_LNS_advance_line		3
#define DW_LNS_set_file			4
#define DW_LNS_const_add_pc		8
#define DW_LNS_fixed_advance_pc		9
#define DW_LNE_end_sequence		1
#define DW_LNE_set_address		2

#define DW_LNCT_path			1
#define DW_LNCT_directory_index		2

#define DW_FORM_block2			0x03
#define DW_FORM_block4			0x04
#define DW_FORM_data2			0x05
#define DW_FORM_data4			0x06
#define DW_FORM_data8			0x07
#define DW_FORM_string			0x08
#define DW_FORM_block			0x09
#define DW_FORM_block1			0x0a
#define DW_FORM_data1			0x0b
#define DW_FORM_sdata			0x0d
#define DW_FORM_strp			0x0e
#define DW_FORM_udata			0x0f
#define DW_FORM_strx			0x1a
#define DW_FORM_data16			0x1e
#define DW_FORM_line_strp		0x1f
#define DW_FORM_strx1			0x25
#define DW_FORM_strx2			0x26
#define DW_FORM_strx3			0x27
#define DW_FORM_strx4			0x28

#define NO_FILE				UINT32_MAX

/* One file of some unit's file table; strings point into the image. */
struct line_file {
	const char *dir;	/* NULL: relative to the compilation directory */
	const char *name;
};

/* One row of a line table (a sequence ends with an end_seq row). */
struct line_row {
	__u64 addr;
	__u32 shndx;
	__u32 line;
	__u32 file;		/* index into gate_lines.files, or NO_FILE */
	__u32 end_seq;
	size_t ord;		/* order of appearance, for a stable sort */
};

struct gate_lines {
	struct line_file *files;
	size_t file_cnt;
	size_t file_cap;
	struct line_row *rows;
	size_t row_cnt;
	size_t row_cap;
};

/* A bounds-checked reader; pos is an offset into the .debug_line section. */
struct lr {
	const __u8 *p;
	size_t end;		/* end of the current unit */
	size_t pos;
	bool err;
};

static bool lr_have(struct lr *r, size_t n)
{
	if (r->err || r->pos > r->end || n > r->end - r->pos) {
		r->err = true;
		return false;
	}
	return true;
}

static __u64 lr_uint(struct lr *r, unsigned int n)
{
	__u64 v = 0;
	unsigned int i;

	if (!lr_have(r, n))
		return 0;
	for (i = 0; i < n; i++)		/* little endian, any alignment */
		v |= (__u64)r->p[r->pos + i] << (8 * i);
	r->pos += n;
	return v;
}

/* LEB128; @sign_extend for the signed form.  0 when truncated. */
static __u64 lr_leb(struct lr *r, bool sign_extend)
{
	__u64 v = 0;
	unsigned int shift = 0;
	__u8 b;

	do {
		if (!lr_have(r, 1))
			return 0;
		b = r->p[r->pos++];
		if (shift < 64)
			v |= (__u64)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (sign_extend && shift < 64 && (b & 0x40))
		v |= ~(__u64)0 << shift;
	return v;
}

static __u64 lr_uleb(struct lr *r)
{
	return lr_leb(r, false);
}

static __s64 lr_sleb(struct lr *r)
{
	return (__s64)lr_leb(r, true);
}

static void lr_skip(struct lr *r, __u64 n)
{
	if (n > SIZE_MAX || !lr_have(r, (size_t)n))
		return;
	r->pos += (size_t)n;
}

static const char *lr_str(struct lr *r)
{
	const __u8 *nul;
	const char *s;

	if (!lr_have(r, 1))
		return NULL;
	nul = memchr(r->p + r->pos, 0, r->end - r->pos);
	if (!nul) {
		r->err = true;
		return NULL;
	}
	s = (const char *)r->p + r->pos;
	r->pos = (size_t)(nul - r->p) + 1;
	return s;
}

/* The relocation of section @shndx at exactly @off, or NULL. */
static const struct gate_rel *rel_at(const struct gate_ctx *ctx, __u32 shndx, __u64 off)
{
	size_t lo = 0, hi = ctx->rel_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct gate_rel *r = ctx->rel_sorted[mid];

		if (r->target < shndx || (r->target == shndx && r->offset < off))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ctx->rel_cnt && ctx->rel_sorted[lo]->target == shndx &&
	    ctx->rel_sorted[lo]->offset == off)
		return ctx->rel_sorted[lo];
	return NULL;
}

/* Section and offset that a relocation against a defined symbol resolves to. */
static bool rel_resolve(const struct gate_ctx *ctx, const struct gate_rel *rel,
			__u32 *shndx, __u64 *off)
{
	const struct gate_sym *s;

	if (!rel || rel->sym >= ctx->sym_cnt)
		return false;
	s = &ctx->syms[rel->sym];
	if (!s->valid || s->shndx == SHN_UNDEF || s->shndx >= ctx->sec_cnt)
		return false;
	*shndx = s->shndx;
	*off = s->value + (__u64)rel->addend;
	return true;
}

/* A string at a (relocated) offset of a string section. */
static const char *str_at(const struct gate_ctx *ctx, const char *sec_name,
			  __u32 line_shndx, size_t field, __u64 raw)
{
	const struct gate_sec *s = gate_elf_section(ctx, sec_name, NULL);
	const struct gate_rel *rel = rel_at(ctx, line_shndx, field);
	__u32 shndx;
	__u64 off = raw;

	if (rel) {
		if (!rel_resolve(ctx, rel, &shndx, &off) ||
		    &ctx->secs[shndx] != s)
			return NULL;
	}
	if (!s || !s->data || off >= s->size || !memchr(s->data + off, 0, s->size - off))
		return NULL;
	return (const char *)s->data + off;
}

static int add_file(struct gate_lines *li, const char *dir, const char *name)
{
	struct line_file *f = gate_grow(li->files, &li->file_cap, li->file_cnt,
					sizeof(*f), 64);

	if (!f)
		return -ENOMEM;
	li->files = f;
	li->files[li->file_cnt].dir = dir;
	li->files[li->file_cnt].name = name;
	li->file_cnt++;
	return 0;
}

static int add_row(struct gate_lines *li, __u32 shndx, __u64 addr, __u32 line,
		   __u32 file, bool end_seq)
{
	struct line_row *row;

	row = gate_grow(li->rows, &li->row_cap, li->row_cnt, sizeof(*row), 256);
	if (!row)
		return -ENOMEM;
	li->rows = row;
	row = &li->rows[li->row_cnt];
	row->addr = addr;
	row->shndx = shndx;
	row->line = line;
	row->file = file;
	row->end_seq = end_seq;
	row->ord = li->row_cnt++;
	return 0;
}

/* The header fields the line program needs. */
struct line_hdr {
	unsigned int version;
	unsigned int offsz;	/* 4 (32-bit DWARF) or 8 */
	__u8 min_inst;
	__s8 line_base;
	__u8 line_range;
	__u8 opcode_base;
	size_t std_lens;	/* offset of standard_opcode_lengths */
	size_t file_base;	/* this unit's first entry in gate_lines.files */
	size_t file_cnt;
};

/* DWARF 2-4: include_directories and file_names, NUL-terminated lists. */
static int parse_tables_v4(const struct gate_ctx *ctx, struct gate_lines *li,
			   struct lr *r, struct line_hdr *h)
{
	const char **dirs = NULL;
	size_t dir_cnt = 0, cap = 0;
	const char *s;
	int err = 0;

	(void)ctx;
	while ((s = lr_str(r)) && *s) {
		const char **d = gate_grow(dirs, &cap, dir_cnt, sizeof(*d), 16);

		if (!d) {
			err = -ENOMEM;
			goto out;
		}
		dirs = d;
		dirs[dir_cnt++] = s;
	}
	while (!r->err && (s = lr_str(r)) && *s) {
		__u64 dir = lr_uleb(r);

		lr_uleb(r);	/* mtime */
		lr_uleb(r);	/* length */
		if (r->err)
			break;
		/* directory 0 is the compilation directory: keep paths relative */
		err = add_file(li, dir >= 1 && dir <= dir_cnt ? dirs[dir - 1] : NULL, s);
		if (err)
			goto out;
		h->file_cnt++;
	}
out:
	free(dirs);
	return err;
}

/* One attribute of a DWARF 5 entry: a string or a number. */
static void read_form(const struct gate_ctx *ctx, __u32 line_shndx, struct lr *r,
		      const struct line_hdr *h, __u64 form,
		      const char **str, __u64 *num)
{
	size_t at = r->pos;

	*str = NULL;
	*num = 0;
	switch (form) {
	case DW_FORM_string:
		*str = lr_str(r);
		break;
	case DW_FORM_line_strp:
	case DW_FORM_strp:
		*num = lr_uint(r, h->offsz);
		if (!r->err)
			*str = str_at(ctx, form == DW_FORM_strp ? ".debug_str" : ".debug_line_str",
				      line_shndx, at, *num);
		break;
	case DW_FORM_udata:
		*num = lr_uleb(r);
		break;
	case DW_FORM_sdata:
		*num = (__u64)lr_sleb(r);
		break;
	case DW_FORM_data1:
	case DW_FORM_strx1:
		*num = lr_uint(r, 1);
		break;
	case DW_FORM_data2:
	case DW_FORM_strx2:
		*num = lr_uint(r, 2);
		break;
	case DW_FORM_strx3:
		*num = lr_uint(r, 3);
		break;
	case DW_FORM_data4:
	case DW_FORM_strx4:
		*num = lr_uint(r, 4);
		break;
	case DW_FORM_data8:
		*num = lr_uint(r, 8);
		break;
	case DW_FORM_data16:
		lr_skip(r, 16);
		break;
	case DW_FORM_strx:
		lr_uleb(r);	/* needs .debug_str_offsets: name unknown */
		break;
	case DW_FORM_block:
		lr_skip(r, lr_uleb(r));
		break;
	case DW_FORM_block1:
		lr_skip(r, lr_uint(r, 1));
		break;
	case DW_FORM_block2:
		lr_skip(r, lr_uint(r, 2));
		break;
	case DW_FORM_block4:
		lr_skip(r, lr_uint(r, 4));
		break;
	default:
		r->err = true;	/* cannot know its size */
	}
}

#define MAX_FORMATS 16

/* DWARF 5: entry formats, then counted entries, for directories and files. */
static int parse_tables_v5(const struct gate_ctx *ctx, __u32 line_shndx,
			   struct gate_lines *li, struct lr *r, struct line_hdr *h)
{
	const char **dirs = NULL;
	__u64 fmt[MAX_FORMATS][2], cnt, i, dir_cnt = 0;
	unsigned int nfmt, k, pass;
	int err = 0;

	for (pass = 0; pass < 2 && !r->err; pass++) {
		nfmt = (unsigned int)lr_uint(r, 1);
		if (nfmt > MAX_FORMATS) {
			r->err = true;
			break;
		}
		for (k = 0; k < nfmt; k++) {
			fmt[k][0] = lr_uleb(r);
			fmt[k][1] = lr_uleb(r);
		}
		cnt = lr_uleb(r);
		/* every entry takes at least one byte when it has a format */
		if (r->err || (nfmt && cnt > r->end - r->pos) || (!nfmt && cnt)) {
			r->err = true;
			break;
		}
		if (pass == 0 && cnt) {
			dirs = calloc(cnt, sizeof(*dirs));
			if (!dirs) {
				err = -ENOMEM;
				break;
			}
			dir_cnt = cnt;
		}
		for (i = 0; i < cnt && !r->err; i++) {
			const char *path = NULL;
			__u64 dir = UINT64_MAX;

			for (k = 0; k < nfmt && !r->err; k++) {
				const char *s;
				__u64 n;

				read_form(ctx, line_shndx, r, h, fmt[k][1], &s, &n);
				if (fmt[k][0] == DW_LNCT_path)
					path = s;
				else if (fmt[k][0] == DW_LNCT_directory_index)
					dir = n;
			}
			if (r->err)
				break;
			if (pass == 0) {
				dirs[i] = path;
				continue;
			}
			/* directory 0 is the compilation directory: keep paths relative */
			err = add_file(li, dir >= 1 && dir < dir_cnt ? dirs[dir] : NULL,
				       path ? path : "?");
			if (err)
				break;
			h->file_cnt++;
		}
		if (err)
			break;
	}
	free(dirs);
	return err;
}

static int run_program(const struct gate_ctx *ctx, __u32 line_shndx,
		       struct gate_lines *li, struct lr *r, const struct line_hdr *h)
{
	__u32 shndx = 0, file = 1, line = 1;
	__u64 addr = 0;
	int err = 0;

	while (!r->err && r->pos < r->end && !err) {
		__u8 op = (__u8)lr_uint(r, 1);

		if (op >= h->opcode_base) {		/* special opcode */
			unsigned int adj = op - h->opcode_base;

			addr += (__u64)(adj / h->line_range) * h->min_inst;
			line += (__u32)(h->line_base + (int)(adj % h->line_range));
			goto emit;
		}
		switch (op) {
		case 0: {				/* extended opcode */
			__u64 len = lr_uleb(r);
			size_t sub_end;
			__u8 sub;

			if (r->err || len == 0 || len > r->end - r->pos) {
				r->err = true;
				break;
			}
			sub_end = r->pos + (size_t)len;
			sub = (__u8)lr_uint(r, 1);
			if (sub == DW_LNE_end_sequence) {
				if (shndx)
					err = add_row(li, shndx, addr, line, NO_FILE, true);
				shndx = 0;
				addr = 0;
				file = 1;
				line = 1;
			} else if (sub == DW_LNE_set_address && len == 9) {
				size_t at = r->pos;
				__u64 raw = lr_uint(r, 8);
				const struct gate_rel *rel = rel_at(ctx, line_shndx, at);

				shndx = 0;
				addr = raw;
				if (rel && rel->type == R_X86_64_64 &&
				    !rel_resolve(ctx, rel, &shndx, &addr))
					shndx = 0;
				if (!rel)
					shndx = 0;	/* unrelocated: no section known */
			}
			r->pos = sub_end;
			continue;
		}
		case DW_LNS_copy:
			goto emit;
		case DW_LNS_advance_pc:
			addr += lr_uleb(r) * h->min_inst;
			continue;
		case DW_LNS_advance_line:
			line += (__u32)lr_sleb(r);
			continue;
		case DW_LNS_set_file:
			file = (__u32)lr_uleb(r);
			continue;
		case DW_LNS_const_add_pc:
			addr += (__u64)((255 - h->opcode_base) / h->line_range) * h->min_inst;
			continue;
		case DW_LNS_fixed_advance_pc:
			addr += lr_uint(r, 2);
			continue;
		default: {				/* skip its ULEB operands */
			__u8 n = r->p[h->std_lens + op - 1];

			while (n-- && !r->err)
				lr_uleb(r);
			continue;
		}
		}
		continue;
emit:
		if (shndx) {
			__u32 idx = NO_FILE;

			if (h->version >= 5 && file < h->file_cnt)
				idx = (__u32)(h->file_base + file);
			else if (h->version < 5 && file >= 1 && file <= h->file_cnt)
				idx = (__u32)(h->file_base + file - 1);
			err = add_row(li, shndx, addr, line, idx, false);
		}
	}
	return err;
}

/* One unit at r->pos; r->end is moved to its end.  Malformed: r->err. */
static int parse_unit(const struct gate_ctx *ctx, __u32 line_shndx,
		      struct gate_lines *li, struct lr *r)
{
	struct line_hdr h = { .offsz = 4, .file_base = li->file_cnt };
	__u64 unit_len, hdr_len;
	size_t prog;
	int err;

	unit_len = lr_uint(r, 4);
	if (unit_len == 0xffffffff) {
		h.offsz = 8;
		unit_len = lr_uint(r, 8);
	} else if (unit_len >= 0xfffffff0) {
		r->err = true;
	}
	if (r->err || unit_len > r->end - r->pos) {
		r->err = true;
		return 0;
	}
	r->end = r->pos + (size_t)unit_len;
	h.version = (unsigned int)lr_uint(r, 2);
	if (h.version < 2 || h.version > 5) {
		r->err = true;
		return 0;
	}
	if (h.version >= 5) {
		if (lr_uint(r, 1) != 8)		/* address_size */
			r->err = true;
		lr_uint(r, 1);			/* segment_selector_size */
	}
	hdr_len = lr_uint(r, h.offsz);
	if (r->err || hdr_len > r->end - r->pos) {
		r->err = true;
		return 0;
	}
	prog = r->pos + (size_t)hdr_len;
	h.min_inst = (__u8)lr_uint(r, 1);
	if (h.version >= 4)
		lr_uint(r, 1);			/* maximum_operations_per_instruction */
	lr_uint(r, 1);				/* default_is_stmt */
	h.line_base = (__s8)lr_uint(r, 1);
	h.line_range = (__u8)lr_uint(r, 1);
	h.opcode_base = (__u8)lr_uint(r, 1);
	if (r->err || h.line_range == 0 || h.opcode_base == 0) {
		r->err = true;
		return 0;
	}
	h.std_lens = r->pos;
	lr_skip(r, h.opcode_base - 1u);
	if (r->err)
		return 0;
	if (h.version >= 5)
		err = parse_tables_v5(ctx, line_shndx, li, r, &h);
	else
		err = parse_tables_v4(ctx, li, r, &h);
	if (err || r->err)
		return err;
	if (r->pos > prog) {			/* the tables overran header_length */
		r->err = true;
		return 0;
	}
	r->pos = prog;
	return run_program(ctx, line_shndx, li, r, &h);
}

static int row_cmp(const void *a, const void *b)
{
	const struct line_row *x = a, *y = b;
	int c = gate_pos_cmp(x->shndx, x->addr, y->shndx, y->addr);

	if (c)
		return c;
	/* a sequence ending where the next begins: the new one wins */
	if (x->end_seq != y->end_seq)
		return x->end_seq ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

void gate_lines_free(struct gate_lines *li)
{
	if (!li)
		return;
	free(li->files);
	free(li->rows);
	free(li);
}

int gate_lines_load(const struct gate_ctx *ctx, struct gate_lines **out)
{
	const struct gate_sec *sec;
	struct gate_lines *li;
	__u32 shndx;
	size_t pos = 0;
	int err = 0;

	*out = NULL;
	sec = gate_elf_section(ctx, ".debug_line", &shndx);
	/* compressed sections (SHF_COMPRESSED) are not read */
	if (!sec || !sec->data || (sec->flags & SHF_COMPRESSED) || sec->type != SHT_PROGBITS)
		return 0;
	li = calloc(1, sizeof(*li));
	if (!li)
		return -ENOMEM;
	while (pos < sec->size && !err) {
		struct lr r = { .p = sec->data, .end = sec->size, .pos = pos };

		err = parse_unit(ctx, shndx, li, &r);
		if (r.end <= pos || (r.err && r.end == sec->size))
			break;		/* no unit boundary to resume at */
		pos = r.end;
	}
	if (err) {
		gate_lines_free(li);
		return err;
	}
	if (!li->row_cnt) {
		gate_lines_free(li);
		return 0;
	}
	qsort(li->rows, li->row_cnt, sizeof(*li->rows), row_cmp);
	*out = li;
	return 0;
}

int gate_lines_source(const struct gate_lines *li, __u32 shndx, __u64 off, char **out)
{
	const struct line_row *row;
	const struct line_file *f;
	size_t lo = 0, hi;
	int n;

	*out = NULL;
	if (!li)
		return 0;
	hi = li->row_cnt;
	while (lo < hi) {	/* first row after (shndx, off) */
		size_t mid = lo + (hi - lo) / 2;
		const struct line_row *m = &li->rows[mid];

		if (gate_pos_cmp(m->shndx, m->addr, shndx, off) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return 0;
	row = &li->rows[lo - 1];
	if (row->shndx != shndx || row->end_seq)
		return 0;
	/* line 0 marks compiler-made code: name the line it belongs to */
	while (row->line == 0 && row > li->rows && !row[-1].end_seq &&
	       row[-1].shndx == shndx)
		row--;
	if (row->line == 0 || row->file == NO_FILE || row->file >= li->file_cnt)
		return 0;
	f = &li->files[row->file];
	if (f->dir && *f->dir && f->name[0] != '/')
		n = asprintf(out, "%s/%s:%u", f->dir, f->name, row->line);
	else
		n = asprintf(out, "%s:%u", f->name, row->line);
	if (n < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}
