-- The legacy ERP's tables, as the ERP defines them: this is the ERP's schema, not Registrar's
-- design (upper-case names, codes split the ERP's way, its own audit columns). Registrar
-- writes them only through erp-sync and the legacy-erp MySQL binding.
--
-- Applied idempotently to a database chosen by scripts/legacy-erp.sh (registrar_erp for
-- `make run`, registrar_e2e_erp for the end-to-end tests): every statement may run again.

-- One row per student, keyed by Registrar's student id.
CREATE TABLE IF NOT EXISTS STUDENT_MASTER (
  STUDENT_ID     CHAR(36)         NOT NULL,
  STUDENT_NO     VARCHAR(20)      NOT NULL,
  SURNAME        VARCHAR(100)     NOT NULL,
  FORENAMES      VARCHAR(100)     NOT NULL,
  PROG_CODE      VARCHAR(16)      NOT NULL,
  YEAR_OF_STUDY  TINYINT UNSIGNED NOT NULL,
  SRC_VERSION    INT UNSIGNED     NOT NULL,
  CREATED_TS     DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  LAST_UPD_TS    DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (STUDENT_ID),
  KEY IX_STUDENT_MASTER_NO (STUDENT_NO)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per confirmed registration, keyed by Registrar's registration id. Fees are in
-- minor units of CURRENCY_CODE.
CREATE TABLE IF NOT EXISTS ENROLMENT (
  REG_ID         CHAR(36)         NOT NULL,
  STUDENT_ID     CHAR(36)         NOT NULL,
  MODULE_CODE    VARCHAR(10)      NOT NULL,
  SECTION_ID     CHAR(36)         NOT NULL,
  ACAD_YEAR      SMALLINT UNSIGNED NOT NULL,
  TERM_CODE      CHAR(3)          NOT NULL,
  FEE_MINOR      BIGINT UNSIGNED  NOT NULL,
  CURRENCY_CODE  CHAR(3)          NOT NULL,
  ENROL_STATUS   CHAR(1)          NOT NULL,
  CONFIRMED_TS   DATETIME(6)      NOT NULL,
  SRC_VERSION    INT UNSIGNED     NOT NULL,
  CREATED_TS     DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  LAST_UPD_TS    DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (REG_ID),
  KEY IX_ENROLMENT_STUDENT (STUDENT_ID),
  KEY IX_ENROLMENT_MODULE (MODULE_CODE, ACAD_YEAR, TERM_CODE)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
