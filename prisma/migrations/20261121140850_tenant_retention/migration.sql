-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "retentionDays" INTEGER NOT NULL DEFAULT 7;

