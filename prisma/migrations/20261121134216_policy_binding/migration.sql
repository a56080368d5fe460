-- AlterTable
ALTER TABLE "Policy" ADD COLUMN     "binding" TEXT NOT NULL DEFAULT 'members';

